"""What is known of the camera behind a photo: its focal length in pixels and where its lens axis is.

Foreshortening depends on the head's angle to the line of sight from the camera to the face, not on
the photo's frame (face-measurement.md §3.2). The lens axis passes through the image centre only
while the photo is the whole frame the camera recorded: a crop moves the image centre away from it,
by an amount nobody knows. So the lens axis is used only for a photo that is provably uncropped (its
size equals the size the camera wrote into EXIF); any other photo is solved with the principal point
at the face, which is exact for a face on the axis and crop-invariant for every face.

"Provably uncropped" is strict, because editors keep the camera's fields: an official portrait cropped
in Photoshop carried the new size in PixelXDimension, the old one in ImageWidth, and the sensor's
original focal-plane resolution (a 200 mm lens read as 969 mm equivalent). A file written later than
it was taken, or whose size fields disagree, is treated as possibly cropped, and so is any EXIF focal
length outside what cameras carry (:data:`PLAUSIBLE_35MM_RANGE`).

The focal length sets how strong perspective is assumed to be. EXIF gives it for an uncropped photo
(``FocalLengthIn35mmFilm``, or ``FocalLength`` with the focal-plane resolution); otherwise the camera
is assumed to stand at a portrait distance (:data:`ASSUMED_CAMERA_DISTANCE_MM`), which is what a
normal lens framing a head and shoulders amounts to, whatever the crop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)
"""35 mm film's diagonal: equivalent focal lengths are defined on it (CIPA DC-008, Exif 2.3 §4.6.5)."""

NORMAL_LENS_35MM = 50.0
"""A normal lens: focal length near the frame diagonal (50 mm on 35 mm film)."""

ASSUMED_CAMERA_DISTANCE_MM = 1000.0
"""Camera-to-face distance assumed when the photo does not say: clinical photos are taken from 1-1.5 m
and phone portraits from 0.5-1 m (face-measurement.md §3.10). Shorter real distances read yaw a little
large (about 12% at 0.5 m), which withholds more, never less."""

PLAUSIBLE_35MM_RANGE = (10.0, 400.0)
"""35 mm-equivalent focal lengths of real cameras, from a phone's ultra-wide to a long telephoto."""

_SAVED_WITH_CAPTURE_S = 60.0  # cameras and phones write the file within seconds of the exposure

# Exif 2.3 FocalPlaneResolutionUnit: 2 inch, 3 centimetre (4 millimetre, 5 micrometre in later writers).
_MM_PER_RESOLUTION_UNIT = {2: 25.4, 3: 10.0, 4: 1.0, 5: 0.001}


class FocalSource(StrEnum):
    EXIF_35MM_EQUIVALENT = "exif_35mm_equivalent"
    EXIF_FOCAL_PLANE = "exif_focal_length_and_sensor"
    NORMAL_LENS = "normal_lens"  # uncropped frame whose EXIF names no focal length
    ASSUMED_DISTANCE = "assumed_distance"  # cropped or unknown frame


@dataclass(frozen=True)
class ExifCamera:
    """The camera's own EXIF fields that bear on geometry (None where the file does not carry them).

    ``recorded_size_px`` is PixelXDimension x PixelYDimension and ``main_size_px`` the main image's
    ImageWidth x ImageLength, in the stored (not yet rotated) orientation, as is ``stored_size_px``, the
    size actually decoded. ``saved_after_capture_s`` is DateTime minus DateTimeOriginal.
    """

    focal_length_mm: float | None
    focal_length_35mm: float | None
    focal_plane_px_per_mm: float | None
    recorded_size_px: tuple[int, int] | None
    stored_size_px: tuple[int, int]
    main_size_px: tuple[int, int] | None = None
    saved_after_capture_s: float | None = None

    @property
    def uncropped(self) -> bool:
        """The photo is the whole frame the camera wrote (the image centre lies on the lens axis)."""
        sizes_agree = self.recorded_size_px == self.stored_size_px and self.main_size_px in (None, self.stored_size_px)
        saved = self.saved_after_capture_s
        saved_when_taken = saved is None or abs(saved) <= _SAVED_WITH_CAPTURE_S
        return self.recorded_size_px is not None and sizes_agree and saved_when_taken


@dataclass(frozen=True)
class CameraModel:
    """Intrinsics for the pose solve, in original-image pixels.

    ``focal_length_px`` None: derive it from the face's size and :attr:`assumed_distance_mm`.
    ``principal_point_px`` None: the lens axis is unknown; solve with it at the face.
    """

    source: FocalSource
    focal_length_px: float | None = None
    principal_point_px: tuple[float, float] | None = None
    focal_length_35mm: float | None = None
    assumed_distance_mm: float | None = None


def camera_model(exif: ExifCamera | None, size_px: tuple[int, int], *,
                 assumed_distance_mm: float = ASSUMED_CAMERA_DISTANCE_MM) -> CameraModel:
    """The best camera model for an upright photo of ``size_px`` (width, height) and its EXIF."""
    if exif is None or not exif.uncropped:
        return CameraModel(FocalSource.ASSUMED_DISTANCE, assumed_distance_mm=assumed_distance_mm)
    width, height = size_px
    centre = (width / 2.0, height / 2.0)
    diagonal_px = math.hypot(width, height)
    low, high = PLAUSIBLE_35MM_RANGE
    if exif.focal_length_35mm:
        equivalent = exif.focal_length_35mm
        source = FocalSource.EXIF_35MM_EQUIVALENT
    elif exif.focal_length_mm and exif.focal_plane_px_per_mm:
        equivalent = exif.focal_length_mm * exif.focal_plane_px_per_mm / diagonal_px * FULL_FRAME_DIAGONAL_MM
        source = FocalSource.EXIF_FOCAL_PLANE
    else:
        equivalent, source = NORMAL_LENS_35MM, FocalSource.NORMAL_LENS
    if not low <= equivalent <= high:  # fields left over from another size of the image
        return CameraModel(FocalSource.ASSUMED_DISTANCE, assumed_distance_mm=assumed_distance_mm)
    focal_px = equivalent / FULL_FRAME_DIAGONAL_MM * diagonal_px
    return CameraModel(source, focal_px, centre, round(equivalent, 1))


def focal_plane_px_per_mm(resolution: float | None, unit: int | None) -> float | None:
    """EXIF FocalPlaneXResolution in pixels per millimetre (None when absent or nonsensical)."""
    if resolution is None or not math.isfinite(resolution) or resolution <= 0:
        return None
    mm = _MM_PER_RESOLUTION_UNIT.get(unit if unit is not None else 2)
    return None if mm is None else resolution / mm
