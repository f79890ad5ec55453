"""Align two photos of one face on the points a thread lift does not move.

A similarity transform (rotation, uniform scale, translation) is fitted on the canthi and the nasal
root and bridge (face-measurement.md §2.4). MediaPipe's own alignment basis includes cheek and jaw
points, which a lift moves, so it is not used. The fit is robust (RANSAC, then least squares on the
inliers), and its residual on those points is the registration error.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

REGISTRATION_POINTS = (33, 133, 263, 362, 6, 168, 197, 195, 4, 9, 151)


@dataclass(frozen=True)
class Registration:
    """Maps ``before`` pixels to ``after`` pixels: ``after = matrix @ [x, y, 1]``."""

    matrix: NDArray[np.float64]  # (2, 3)
    error_mm: float  # RMS residual on the inlier points, in the before photo's millimetres
    points_used: tuple[int, ...]

    @property
    def scale(self) -> float:
        return float(np.sqrt(abs(np.linalg.det(self.matrix[:, :2]))))

    def apply(self, points_px: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(points_px[..., :2] @ self.matrix[:, :2].T + self.matrix[:, 2], dtype=np.float64)


def register(before_px: NDArray[np.float64], after_px: NDArray[np.float64], before_mm_per_px: float,
             *, points: tuple[int, ...] = REGISTRATION_POINTS) -> Registration:
    """Similarity from the before landmarks (478, >=2) to the after landmarks, original pixels."""
    source = np.ascontiguousarray(before_px[list(points), :2], dtype=np.float64)
    target = np.ascontiguousarray(after_px[list(points), :2], dtype=np.float64)
    ipd_px = float(np.linalg.norm(before_px[473, :2] - before_px[468, :2]))
    # A point more than 3% of the inter-pupillary distance (about 2 mm) off the fit is an outlier.
    matrix, inliers = cv2.estimateAffinePartial2D(source, target, method=cv2.RANSAC,
                                                  ransacReprojThreshold=0.03 * ipd_px, maxIters=2000,
                                                  confidence=0.999, refineIters=20)
    if matrix is None or inliers is None or int(inliers.sum()) < 4:
        matrix, inliers = cv2.estimateAffinePartial2D(source, target, method=cv2.LMEDS)
    keep = inliers.ravel().astype(bool) if inliers is not None else np.ones(len(points), bool)
    fitted = np.asarray(matrix, dtype=np.float64)
    moved = source[keep] @ fitted[:, :2].T + fitted[:, 2]
    residual_px = float(np.sqrt(((moved - target[keep]) ** 2).sum(axis=1).mean()))
    # Residuals are in after pixels; bring them back to before pixels, then to millimetres.
    scale = float(np.sqrt(abs(np.linalg.det(fitted[:, :2]))))
    error_mm = residual_px / max(scale, 1e-9) * before_mm_per_px
    used = tuple(p for p, k in zip(points, keep, strict=True) if k)
    return Registration(fitted, error_mm, used)
