"""Landmark refinement: read the face aligned, and in its mirror image, and average.

One MediaPipe pass moves by 0.6-0.7 mm (median) when the same photo is rotated, rescaled or
recompressed (face-measurement.md §6.3), mostly because its own detector frames the face a little
differently each time. Here every pass reads a face-aligned crop (eyes level, fixed face size)
through one fixed square, with no detector in between, and half the passes read the crop's mirror
image, with left and right indices swapped back through the mirror map. Mirroring cancels the
mesh's own left/right bias, so a flipped photo gives swapped values.

A fixed frame needs the alignment right first: the whole-photo mesh that starts the search is off by
a third of the eye distance on some rotated photos. So the face is re-aligned on the model's own
reading of the crop and its mirror image until the eyes stay put; the alignment then no longer
depends on where the search started, and the last pair of readings is the result (two passes).
More passes add slightly warped copies (small rotation, scale, sub-pixel shift), in mirror pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from threadlift.face import landmarks as lm
from threadlift.face._mediapipe import MediaPipeModels, RegionOfInterest

CROP_PX = 320
# In the canonical face the forehead-to-chin height is 2.8 inter-pupillary distances and the face centre
# lies half an IPD below the eyes; an IPD of 0.2 crop sides leaves the whole face with a margin.
_IPD_IN_CROP = 0.20
_CENTRE_BELOW_EYES_IPD = 0.5
_FACE_HEIGHT_IPD = 2.8
# MediaPipe frames its landmark model on a square 1.5 times the face's longer side
# (face_landmark_front_cpu, FaceLandmarkLandmarksToRoi); centred on the crop's mirror axis, the same
# square serves a pass and its mirror image.
_ROI = RegionOfInterest(0.5, 0.5, 1.5 * _FACE_HEIGHT_IPD * _IPD_IN_CROP)
# Re-align until a correction is under this fraction of the eye distance (0.3 px in the crop). One
# correction step instead of two left the worst repeatability error (bench/repeatability.py) 2.8
# times larger.
_ALIGNED_WITHIN_IPD = 0.005
# A single pass (--fast) is not averaged with its mirror image, so its alignment need only be good
# enough to frame the face: it stops once a correction is under 1.3 crop pixels.
_ROUGHLY_ALIGNED_WITHIN_IPD = 0.02
_MAX_ALIGNMENT_STEPS = 3
# What a pass can sample: a crop spans 5.4 eye distances (half-diagonal 3.8) plus re-alignment room.
_REACH_IPD = 4.5
_MIN_NEAR_RESOLUTION = 1.5
# x -> CROP_PX - x in continuous pixel coordinates: the crop's mirror image.
_MIRROR = np.array([[-1.0, 0.0, CROP_PX], [0.0, 1.0, 0.0]])


@dataclass(frozen=True)
class Augmentation:
    rotation_deg: float
    scale: float
    shift_px: tuple[float, float]
    mirror: bool

    @property
    def unwarped(self) -> bool:
        return self.rotation_deg == 0 and self.scale == 1 and self.shift_px == (0, 0)


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
    near, to_near = _near_copy(rgb, coarse_px)
    aligned, settled = _realigned(near, _aligning_transform(_map_forward(coarse_px, to_near)), models,
                                  paired=len(augmentations) > 1)
    runs = []
    for aug in augmentations:
        # The alignment's last readings saw the face within 0.3 crop pixels (1.3 for a single pass)
        # of where the unwarped pass and its mirror would: they are those passes.
        reused = settled.get(aug.mirror) if aug.unwarped else None
        points = reused if reused is not None else _read(near, _compose(_augmentation_transform(aug), aligned),
                                                           aug.mirror, models)
        if points is not None:
            runs.append(_map_back(points, to_near))
    if not runs:
        return RefinedLandmarks(coarse_px, np.zeros(lm.N_LANDMARKS), 0)
    stack = np.stack(runs)
    mean = stack.mean(axis=0)
    spread = np.sqrt(((stack[:, :, :2] - mean[None, :, :2]) ** 2).sum(axis=2).mean(axis=0))
    return RefinedLandmarks(mean, spread, len(runs))


def _near_copy(rgb: NDArray[np.uint8], coarse_px: NDArray[np.float64]) -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
    """The part of the photo a pass can sample, halved (2 x 2 pixel means) while it keeps at least 1.5
    times the crops' resolution, with the transform from photo pixels to it.

    A 12 MP portrait holds 3-5 times the crops' resolution; warping from the whole of it costs a
    millisecond per pass in cache misses, while exact halving costs well under one, once.
    """
    eyes = coarse_px[[lm.IRIS_CENTRE_RIGHT, lm.IRIS_CENTRE_LEFT], :2]
    ipd = max(float(np.linalg.norm(eyes[1] - eyes[0])), 1.0)
    reach = _REACH_IPD * ipd
    height, width = rgb.shape[:2]
    centre_x, centre_y = eyes.mean(axis=0)
    left, top = max(0, int(np.floor(centre_x - reach))), max(0, int(np.floor(centre_y - reach)))
    right, bottom = min(width, int(np.ceil(centre_x + reach))), min(height, int(np.ceil(centre_y + reach)))
    if right - left < 16 or bottom - top < 16:
        left, top, right, bottom = 0, 0, width, height
    near = rgb[top:bottom, left:right]
    factor = 1
    while ipd / (2 * factor) >= _MIN_NEAR_RESOLUTION * _IPD_IN_CROP * CROP_PX and min(near.shape[:2]) >= 32:
        even = near[:near.shape[0] // 2 * 2, :near.shape[1] // 2 * 2]
        near = np.asarray(cv2.resize(even, (even.shape[1] // 2, even.shape[0] // 2), interpolation=cv2.INTER_AREA),
                          dtype=np.uint8)
        factor *= 2
    to_near = np.array([[1 / factor, 0.0, -left / factor], [0.0, 1 / factor, -top / factor]])
    return np.ascontiguousarray(near), to_near


def _map_forward(points: NDArray[np.float64], transform: NDArray[np.float64]) -> NDArray[np.float64]:
    """(N, 3) points through ``transform``, z scaled like x and y; :func:`_map_back` undoes it."""
    moved = points.copy()
    moved[:, :2] = _apply(transform, points[:, :2])
    moved[:, 2] = points[:, 2] * np.sqrt(abs(np.linalg.det(transform[:, :2])))
    return moved


def _read(rgb: NDArray[np.uint8], forward: NDArray[np.float64], mirrored: bool,
          models: MediaPipeModels) -> NDArray[np.float64] | None:
    """One pass: the landmarks the model reads in the crop ``forward`` makes (mirrored or not), in
    ``rgb``'s pixels with the patient's sides in place; None when it finds no face."""
    # A mirrored pass warps straight into the mirror image (the same samples as flipping the crop).
    points = models.landmarks_in_roi(_crop(rgb, _compose(_MIRROR, forward) if mirrored else forward), _ROI)
    if points is None:
        return None
    if mirrored:
        points[:, 0] = CROP_PX - points[:, 0]
        points = points[lm.mirror_map()]
    return _map_back(points, forward)


def _realigned(rgb: NDArray[np.uint8], aligned: NDArray[np.float64], models: MediaPipeModels,
               paired: bool) -> tuple[NDArray[np.float64], dict[bool, NDArray[np.float64]]]:
    """The alignment once the model's reading of the aligned crop no longer moves the eyes, with the
    last readings ({mirrored: landmarks}) when it settled, else {}.

    With ``paired`` every step reads the crop and its mirror image and averages them, so that a photo
    and its mirror image end up aligned alike, and at least two steps are taken; a single pass
    (``--fast``) reads the crop alone and stops once the face is roughly framed.
    """
    within = _ALIGNED_WITHIN_IPD if paired else _ROUGHLY_ALIGNED_WITHIN_IPD
    for step in range(_MAX_ALIGNMENT_STEPS):
        readings = {False: _read(rgb, aligned, False, models)}
        if paired:
            readings[True] = _read(rgb, aligned, True, models)
        if any(points is None for points in readings.values()):
            break
        mean = np.mean([points for points in readings.values() if points is not None], axis=0)
        eyes_in_crop = _apply(aligned, mean[[lm.IRIS_CENTRE_RIGHT, lm.IRIS_CENTRE_LEFT], :2])
        aligned = _aligning_transform(mean)
        if (step > 0 or not paired) and _eye_offset_ipd(eyes_in_crop) < within:
            return aligned, {mirrored: points for mirrored, points in readings.items() if points is not None}
    return aligned, {}


def _apply(transform: NDArray[np.float64], points_xy: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(points_xy @ transform[:, :2].T + transform[:, 2], dtype=np.float64)


def _eye_offset_ipd(eyes_in_crop: NDArray[np.float64]) -> float:
    """How far the eyes are from where the alignment puts them, in eye distances."""
    half_ipd = _IPD_IN_CROP * CROP_PX / 2
    above_centre = _CENTRE_BELOW_EYES_IPD * 2 * half_ipd
    target = np.array([[CROP_PX / 2 - half_ipd, CROP_PX / 2 - above_centre],
                       [CROP_PX / 2 + half_ipd, CROP_PX / 2 - above_centre]])
    return float(np.linalg.norm(eyes_in_crop - target, axis=1).max() / (2 * half_ipd))


def _crop(rgb: NDArray[np.uint8], forward: NDArray[np.float64]) -> NDArray[np.uint8]:
    return np.asarray(cv2.warpAffine(rgb, _edge_to_centre(forward), (CROP_PX, CROP_PX),
                                     flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), dtype=np.uint8)


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
