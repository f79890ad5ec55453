"""The face frame: millimetres, origin between the pupils, x toward the patient's left, y down.

This is the frame of ../shared/DESIGN.md. Putting x on the inter-pupillary line removes head roll
the way Emotrics does (every "vertical" distance is perpendicular to the IPL; face-measurement.md
§1.3), and the frame transfers to any photo of the same patient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from threadlift.face import landmarks as lm


@dataclass(frozen=True)
class FaceFrame:
    """Similarity from image pixels to face-frame millimetres.

    Attributes
    ----------
    origin_px : (2,) ndarray
        Midpoint between the iris centres, image pixels.
    x_axis : (2,) ndarray
        Unit vector from the patient's right pupil to the left pupil, image coordinates.
    mm_per_px : float
    """

    origin_px: NDArray[np.float64]
    x_axis: NDArray[np.float64]
    mm_per_px: float

    @classmethod
    def from_landmarks(cls, landmarks_px: NDArray[np.float64], mm_per_px: float) -> FaceFrame:
        right = landmarks_px[lm.IRIS_CENTRE_RIGHT, :2]
        left = landmarks_px[lm.IRIS_CENTRE_LEFT, :2]
        axis = left - right
        norm = float(np.linalg.norm(axis))
        if norm == 0.0:
            raise ValueError("iris centres coincide; the landmarks are degenerate")
        return cls((left + right) / 2, axis / norm, mm_per_px)

    @property
    def y_axis(self) -> NDArray[np.float64]:
        return np.array([-self.x_axis[1], self.x_axis[0]])

    def to_mm(self, points_px: NDArray[np.float64]) -> NDArray[np.float64]:
        """Image pixels (N, >=2) to face-frame millimetres (N, 2)."""
        offset = np.asarray(points_px, dtype=np.float64)[..., :2] - self.origin_px
        return np.asarray(np.stack([offset @ self.x_axis, offset @ self.y_axis], axis=-1) * self.mm_per_px,
                          dtype=np.float64)

    def to_px(self, points_mm: NDArray[np.float64]) -> NDArray[np.float64]:
        """Face-frame millimetres (N, 2) back to image pixels (N, 2)."""
        scaled = np.asarray(points_mm, dtype=np.float64) / self.mm_per_px
        return np.asarray(self.origin_px + scaled[..., :1] * self.x_axis + scaled[..., 1:2] * self.y_axis,
                          dtype=np.float64)


def right_side_as_left(points_mm: NDArray[np.float64]) -> NDArray[np.float64]:
    """Mirror the face so the patient's right side sits where the left was (x negated, indices swapped).

    A measurement written once for the left side, applied to this array, measures the right side.

    Examples
    --------
    >>> pts = np.zeros((478, 2)); pts[33] = (-30.0, 0.0)  # patient's right lateral canthus
    >>> right_side_as_left(pts)[263].tolist()
    [30.0, 0.0]
    """
    mirrored = np.asarray(points_mm, dtype=np.float64)[lm.mirror_map()].copy()
    mirrored[:, 0] *= -1.0
    return mirrored
