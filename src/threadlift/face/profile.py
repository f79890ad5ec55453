"""Profile view: cervicomental angle and chin-to-neck length from the person's silhouette.

Face Mesh does not cover the neck, so the outline comes from a person mask (MediaPipe selfie
segmentation, bundled in the same wheel). Method from face-measurement.md §3.6: take the anterior
outline below the chin, find the cervical point as the deepest concavity between the chin and the
neck, fit a line to each limb and report the angle between them. Youthful range 105-120°
(Ellenbogen and Karlin, §3.6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class NeckProfile:
    cervicomental_angle_deg: float
    chin_neck_length_mm: float
    chin_px: tuple[float, float]
    cervical_point_px: tuple[float, float]
    neck_point_px: tuple[float, float]


def neck_profile(mask: NDArray[np.bool_], chin_px: tuple[float, float], *, facing_right: bool,
                 mm_per_px: float) -> NeckProfile | None:
    """Measure the neck on a person ``mask`` (H, W) bool, in the mask's pixels.

    ``chin_px`` is an estimate of the menton (from the landmarks); ``facing_right`` says whether the
    face points toward the image's right. Returns ``None`` when the outline below the chin is too
    short to fit (neck out of frame, hair or a collar over it).
    """
    outline = _anterior_outline(mask, facing_right)
    height = mask.shape[0]
    rows = np.arange(height)
    valid = ~np.isnan(outline)
    chin_row = round(chin_px[1])
    # Only near the landmark's menton: higher up, the lips often stand further forward than the chin.
    search = (rows >= chin_row - 0.03 * height) & (rows <= chin_row + 0.03 * height) & valid
    if not search.any():
        return None
    forward = outline if facing_right else -outline
    # The gnathion: the outline point furthest forward and down (45°), where the chin turns under.
    chin_candidates = rows[search]
    chin_row = int(chin_candidates[np.argmax(forward[search] + chin_candidates)])
    below = rows[(rows > chin_row) & valid]
    if len(below) < 20:
        return None
    neck_rows = below[: int(min(len(below), 0.45 * height))]
    points = np.stack([outline[neck_rows], neck_rows.astype(np.float64)], axis=1)
    chin = np.array([outline[chin_row], float(chin_row)])
    end = points[-1]
    cervical = points[int(np.argmax(_depth_behind_chord(points, chin, end, facing_right)))]
    submental = points[points[:, 1] <= cervical[1]]
    neck = points[points[:, 1] >= cervical[1]]
    if len(submental) < 5 or len(neck) < 5:
        return None
    submental_dir = _principal_direction(np.vstack([chin, submental]))
    neck_dir = _principal_direction(neck)
    # Orient both limbs away from the cervical point and take the angle between them.
    to_chin = chin - cervical
    to_neck = end - cervical
    if submental_dir @ to_chin < 0:
        submental_dir = -submental_dir
    if neck_dir @ to_neck < 0:
        neck_dir = -neck_dir
    angle = float(np.degrees(np.arccos(np.clip(submental_dir @ neck_dir, -1.0, 1.0))))
    length_mm = float(np.linalg.norm(to_chin)) * mm_per_px
    return NeckProfile(angle, length_mm, (float(chin[0]), float(chin[1])),
                       (float(cervical[0]), float(cervical[1])), (float(end[0]), float(end[1])))


def _anterior_outline(mask: NDArray[np.bool_], facing_right: bool) -> NDArray[np.float64]:
    """Per row, the x of the person's front edge (NaN where the row is empty)."""
    width = mask.shape[1]
    if facing_right:
        edge = (width - 1 - np.argmax(mask[:, ::-1], axis=1)).astype(np.float64)
    else:
        edge = np.argmax(mask, axis=1).astype(np.float64)
    edge[~mask.any(axis=1)] = np.nan
    return np.asarray(edge, dtype=np.float64)


def _depth_behind_chord(points: NDArray[np.float64], start: NDArray[np.float64], end: NDArray[np.float64],
                        facing_right: bool) -> NDArray[np.float64]:
    chord = end - start
    normal = np.array([chord[1], -chord[0]]) / max(float(np.linalg.norm(chord)), 1e-9)
    depth = (points - start) @ normal
    return -depth if facing_right else depth


def _principal_direction(points: NDArray[np.float64]) -> NDArray[np.float64]:
    centred = points - points.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return np.asarray(vt[0], dtype=np.float64)
