"""Test-time augmentation: average several mesh passes on perturbed copies of the face.

One MediaPipe pass moves by 0.6-0.7 mm (median) when the same photo is rotated, rescaled or
recompressed (face-measurement.md §6.3). Each pass here sees the face through a different
similarity warp (small rotation, scale, sub-pixel shift) and half of them mirrored, with left and
right indices swapped back through the mirror map; the points are mapped back to the photo and
averaged. Mirroring also cancels the mesh's own left/right bias, so a flipped photo gives swapped
values. All crops are face-aligned (eyes level, fixed face size), which makes the result nearly
independent of how the photo was framed.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from threadlift.face import landmarks as lm
from threadlift.face._mediapipe import MediaPipeModels

CROP_PX = 320
# In the canonical face the forehead-to-chin height is 2.8 inter-pupillary distances and the face centre
# lies half an IPD below the eyes; an IPD of 0.2 crop sides leaves the whole face with a margin.
_IPD_IN_CROP = 0.20
_CENTRE_BELOW_EYES_IPD = 0.5


@dataclass(frozen=True)
class Augmentation:
    rotation_deg: float
    scale: float
    shift_px: tuple[float, float]
    mirror: bool


def default_augmentations(passes: int) -> tuple[Augmentation, ...]:
    """Mirror-paired perturbations: each warp comes with its mirror image (rotation and horizontal shift
    negated, crop flipped), so a flipped photo is refined by exactly the mirrored set of passes and its
    left and right values swap cleanly."""
    warps = [(0.0, 1.0, (0.0, 0.0)), (-5.0, 0.92, (0.25, -0.5)), (5.0, 1.08, (-0.5, 0.5)),
             (-2.5, 1.04, (0.5, 0.25)), (2.5, 0.96, (-0.25, -0.25))]
    paired = []
    for angle, scale, (dx, dy) in warps:
        paired.append(Augmentation(angle, scale, (dx, dy), False))
        paired.append(Augmentation(-angle, scale, (-dx, dy), True))
    if not 1 <= passes <= len(paired):
        raise ValueError(f"passes must be between 1 and {len(paired)}, got {passes}")
    return tuple(paired[:passes])


@dataclass(frozen=True)
class RefinedLandmarks:
    """Averaged landmarks in the photo's (working) pixels and their pass-to-pass spread."""

    landmarks_px: NDArray[np.float64]  # (478, 3)
    spread_px: NDArray[np.float64]  # (478,) radial standard deviation across passes
    passes_used: int


def refine(rgb: NDArray[np.uint8], coarse_px: NDArray[np.float64], models: MediaPipeModels,
           augmentations: tuple[Augmentation, ...]) -> RefinedLandmarks:
    """Average mesh passes over ``augmentations`` around a first estimate ``coarse_px`` (478, 3)."""
    aligned = _aligning_transform(coarse_px)
    mirror = lm.mirror_map()
    runs = []
    for aug in augmentations:
        forward = _compose(_augmentation_transform(aug), aligned)
        crop = cv2.warpAffine(rgb, _edge_to_centre(forward), (CROP_PX, CROP_PX),
                              flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if aug.mirror:
            crop = crop[:, ::-1]
        faces = models.mesh(np.ascontiguousarray(crop))
        if not faces:
            continue
        points = min(faces, key=lambda f: float(np.hypot(*(f[:, :2].mean(axis=0) - CROP_PX / 2)))).copy()
        if aug.mirror:
            points[:, 0] = CROP_PX - points[:, 0]
            points = points[mirror]
        runs.append(_map_back(points, forward))
    if not runs:
        return RefinedLandmarks(coarse_px, np.zeros(lm.N_LANDMARKS), 0)
    stack = np.stack(runs)
    mean = stack.mean(axis=0)
    spread = np.sqrt(((stack[:, :, :2] - mean[None, :, :2]) ** 2).sum(axis=2).mean(axis=0))
    return RefinedLandmarks(mean, spread, len(runs))


def _aligning_transform(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Similarity (2x3, continuous pixel coordinates) putting the face upright and centred in the crop.

    Built from the iris centres only: they are the steadiest points of the mesh, while the forehead
    and chin points wander by millimetres between passes.
    """
    right_eye = points[lm.IRIS_CENTRE_RIGHT, :2]
    left_eye = points[lm.IRIS_CENTRE_LEFT, :2]
    axis = left_eye - right_eye
    ipd = max(float(np.linalg.norm(axis)), 1.0)
    roll = np.arctan2(axis[1], axis[0])
    down = np.array([-axis[1], axis[0]]) / ipd
    centre = (left_eye + right_eye) / 2 + _CENTRE_BELOW_EYES_IPD * ipd * down
    zoom = _IPD_IN_CROP * CROP_PX / ipd
    cos, sin = np.cos(-roll) * zoom, np.sin(-roll) * zoom
    linear = np.array([[cos, -sin], [sin, cos]], dtype=np.float64)
    shift: NDArray[np.float64] = np.array([CROP_PX / 2, CROP_PX / 2]) - linear @ centre
    return np.hstack([linear, shift[:, None]])


def _augmentation_transform(aug: Augmentation) -> NDArray[np.float64]:
    angle = np.deg2rad(aug.rotation_deg)
    cos, sin = np.cos(angle) * aug.scale, np.sin(angle) * aug.scale
    linear = np.array([[cos, -sin], [sin, cos]])
    centre = np.array([CROP_PX / 2, CROP_PX / 2])
    shift = centre - linear @ centre + np.asarray(aug.shift_px)
    return np.hstack([linear, shift[:, None]])


def _compose(outer: NDArray[np.float64], inner: NDArray[np.float64]) -> NDArray[np.float64]:
    linear = outer[:, :2] @ inner[:, :2]
    shift = outer[:, :2] @ inner[:, 2] + outer[:, 2]
    return np.hstack([linear, shift[:, None]])


def _edge_to_centre(transform: NDArray[np.float64]) -> NDArray[np.float64]:
    """OpenCV warps address pixel centres; landmarks use continuous coordinates (pixel edge at 0)."""
    linear = transform[:, :2]
    shift = transform[:, 2] + linear @ np.array([0.5, 0.5]) - 0.5
    return np.hstack([linear, shift[:, None]])


def _map_back(points: NDArray[np.float64], forward: NDArray[np.float64]) -> NDArray[np.float64]:
    linear, shift = forward[:, :2], forward[:, 2]
    inverse = np.linalg.inv(linear)
    mapped = points.copy()
    mapped[:, :2] = (points[:, :2] - shift) @ inverse.T
    mapped[:, 2] = points[:, 2] / np.sqrt(abs(np.linalg.det(linear)))
    return mapped
