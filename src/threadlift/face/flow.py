"""Dense tissue displacement between two registered photos of one face.

MediaPipe's landmarks follow a strong shape prior: a smooth 3 mm lift of one jowl moved its jowl
points by only 0.45-1.06 mm (issue 4, measured on a real photo). So movement is measured on the
pixels: both photos are resampled into one grid laid over the *before* face frame (the after photo
through the rigid-point registration), normalised against lighting (local mean and contrast
removed), and OpenCV's DIS optical flow with its finest settings (finest scale 0, variational
refinement) gives the displacement of every pixel, in millimetres of the before photo.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from threadlift.face.frame import FaceFrame
from threadlift.face.register import Registration

PX_PER_MM = 2.5  # 0.4 mm per grid pixel: sub-pixel flow then resolves about 0.05 mm
_MARGIN_MM = 12.0
_NORMALISE_SIGMA_MM = 3.0


@dataclass(frozen=True)
class FlowGrid:
    """A pixel grid over the before face frame: grid pixel (u, v) sits at ``origin_mm + (u, v) / px_per_mm``."""

    origin_mm: NDArray[np.float64]
    width_px: int
    height_px: int
    px_per_mm: float = PX_PER_MM

    @classmethod
    def around(cls, points_mm: NDArray[np.float64]) -> FlowGrid:
        low = points_mm[:, :2].min(axis=0) - _MARGIN_MM
        high = points_mm[:, :2].max(axis=0) + _MARGIN_MM
        size = np.ceil((high - low) * PX_PER_MM).astype(int)
        return cls(low, int(size[0]), int(size[1]))

    def to_grid_px(self, points_mm: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray((points_mm - self.origin_mm) * self.px_per_mm, dtype=np.float64)

    def centres_mm(self) -> NDArray[np.float64]:
        """Face-frame mm of every grid pixel centre, shape (H, W, 2)."""
        u = (np.arange(self.width_px) + 0.5) / self.px_per_mm + self.origin_mm[0]
        v = (np.arange(self.height_px) + 0.5) / self.px_per_mm + self.origin_mm[1]
        grid_u, grid_v = np.meshgrid(u, v)
        return np.stack([grid_u, grid_v], axis=-1)

    def mask(self, outline_mm: NDArray[np.float64]) -> NDArray[np.bool_]:
        canvas = np.zeros((self.height_px, self.width_px), np.uint8)
        polygon = np.round(self.to_grid_px(outline_mm) * 16).astype(np.int32)  # 4 fractional bits
        cv2.fillPoly(canvas, [polygon], (1,), lineType=cv2.LINE_8, shift=4)
        return canvas.astype(bool)


def _maps(image_scale: float, grid: FlowGrid, frame: FaceFrame,
          registration: Registration | None) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    before_px = frame.to_px(grid.centres_mm().reshape(-1, 2))
    source_px = registration.apply(before_px) if registration is not None else before_px
    source = source_px / image_scale - 0.5  # continuous -> pixel-centre coordinates
    map_x = source[:, 0].reshape(grid.height_px, grid.width_px).astype(np.float32)
    map_y = source[:, 1].reshape(grid.height_px, grid.width_px).astype(np.float32)
    return map_x, map_y


def resample_colour(rgb: NDArray[np.uint8], image_scale: float, grid: FlowGrid, frame: FaceFrame,
                    registration: Registration | None = None) -> NDArray[np.uint8]:
    """The photo ``rgb`` (working pixels; ``image_scale`` original px per working px) on ``grid``.

    ``frame`` is the before photo's face frame; for the after photo, ``registration`` maps before
    original pixels to after original pixels.
    """
    map_x, map_y = _maps(image_scale, grid, frame, registration)
    return np.asarray(cv2.remap(rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), np.uint8)


def resample(rgb: NDArray[np.uint8], image_scale: float, grid: FlowGrid, frame: FaceFrame,
             registration: Registration | None = None) -> NDArray[np.uint8]:
    """Like :func:`resample_colour`, in grey."""
    map_x, map_y = _maps(image_scale, grid, frame, registration)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return np.asarray(cv2.remap(grey, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), np.uint8)


def normalise_lighting(grey: NDArray[np.uint8], px_per_mm: float = PX_PER_MM) -> NDArray[np.uint8]:
    """Remove local brightness and contrast, keeping texture: robust to a different light or exposure."""
    values = grey.astype(np.float32)
    sigma = _NORMALISE_SIGMA_MM * px_per_mm
    mean = cv2.GaussianBlur(values, (0, 0), sigma)
    detail = values - mean
    spread = np.sqrt(cv2.GaussianBlur(detail * detail, (0, 0), sigma)) + 2.0
    return np.asarray(np.clip(128 + 40 * detail / spread, 0, 255), dtype=np.uint8)


def dense_displacement_mm(before: NDArray[np.uint8], after: NDArray[np.uint8],
                          px_per_mm: float = PX_PER_MM) -> NDArray[np.float32]:
    """Per-pixel displacement (H, W, 2), face-frame mm, from ``before`` to ``after`` (same grid, grey)."""
    dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    dis.setFinestScale(0)
    dis.setVariationalRefinementIterations(5)
    dis.setUseMeanNormalization(True)
    dis.setUseSpatialPropagation(True)
    dis.setPatchSize(8)
    dis.setPatchStride(4)
    # Twice the preset's patch-search steps: a 5 mm lift is 12 grid pixels, and with the preset's 25
    # steps the search sometimes stopped short on a low-texture fold (nasolabial, 3.8 of 5 mm).
    dis.setGradientDescentIterations(50)
    first, second = normalise_lighting(before, px_per_mm), normalise_lighting(after, px_per_mm)
    flow = dis.calc(first, second, np.zeros((*first.shape, 2), np.float32))
    return np.asarray(flow / px_per_mm, dtype=np.float32)


def remove_residual_alignment(field_mm: NDArray[np.float32], grid: FlowGrid,
                              rigid_mask: NDArray[np.bool_]) -> tuple[NDArray[np.float32], float]:
    """Take out what is left of the head's own movement, measured where no tissue moves.

    The landmark registration leaves up to a few tenths of a millimetre of rotation, scale or shift
    (the mesh's points wobble, and some rigid points move a little with neighbouring tissue). The flow
    over the nasal bridge and canthi should be zero; a similarity fitted to it is subtracted from the
    whole field. Returns the corrected field and the RMS flow left on the rigid tissue (mm).
    """
    centres = grid.centres_mm()
    if rigid_mask.sum() < 10:
        residual = field_mm[rigid_mask] if rigid_mask.any() else np.zeros((1, 2), np.float32)
        return field_mm, float(np.sqrt((residual.astype(np.float64) ** 2).sum(axis=1).mean()))
    source = centres[rigid_mask].astype(np.float32)
    target = (source + field_mm[rigid_mask]).astype(np.float32)
    matrix, _ = cv2.estimateAffinePartial2D(source, target, method=cv2.LMEDS)
    if matrix is None:
        return field_mm, float(np.sqrt((field_mm[rigid_mask].astype(np.float64) ** 2).sum(axis=1).mean()))
    moved = centres @ matrix[:, :2].T + matrix[:, 2]
    corrected = (field_mm - (moved - centres)).astype(np.float32)
    residual = corrected[rigid_mask].astype(np.float64)
    return corrected, float(np.sqrt((residual**2).sum(axis=1).mean()))
