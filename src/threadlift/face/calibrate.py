"""Scale from pixels to millimetres: a printed ArUco marker, a clinician-entered value, or the iris.

Precedence: a manual scale, then a marker, then the iris. The iris is the fallback because its
size varies between people (11.7 ± 0.5 mm) and MediaPipe's estimate of it is noisy
(face-measurement.md §1.4, §3.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np
from numpy.typing import NDArray

from threadlift.face import landmarks as lm
from threadlift.face.errors import CalibrationError

IRIS_DIAMETER_MM = 11.7
"""Horizontal visible iris diameter of adults: 11.7 ± 0.5 mm (MediaPipe Iris documentation; MediaPipe's
depth calculator uses 11.8 and Emotrics 11.77; face-measurement.md §1.4, §3.1)."""
IRIS_DIAMETER_SD_MM = 0.5
IRIS_SOURCE = "MediaPipe Iris: adult horizontal iris diameter 11.7 ± 0.5 mm (face-measurement.md §1.4)"

# IPD / iris diameter of an adult face is about 5.4; outside 4.8-6.0 the iris scale is suspect (§3.1).
PLAUSIBLE_IPD_TO_IRIS = (4.8, 6.0)

_ARUCO_DICTIONARIES = ("DICT_4X4_50", "DICT_5X5_100", "DICT_6X6_250", "DICT_ARUCO_ORIGINAL",
                       "DICT_APRILTAG_36h11")


class Method(StrEnum):
    IRIS = "iris"
    MARKER = "aruco_marker"
    MANUAL = "manual"


@dataclass(frozen=True)
class Calibration:
    """Millimetres per original-image pixel, how it was obtained and how uncertain it is.

    ``uncertainty_mm_per_px`` is the measurement uncertainty within this photo (for the iris, half
    the disagreement between the two eyes); ``absolute_uncertainty_mm_per_px`` adds the spread of
    the reference itself (for the iris, the population SD), which matters for absolute sizes but
    cancels when two photos of one patient are compared. ``None`` means unknown.
    """

    mm_per_px: float
    method: Method
    uncertainty_mm_per_px: float | None
    absolute_uncertainty_mm_per_px: float | None
    detail: dict[str, object]


def manual(mm_per_px: float) -> Calibration:
    if not np.isfinite(mm_per_px) or not 0.001 <= mm_per_px <= 10.0:
        raise CalibrationError(
            f"--mm-per-px {mm_per_px} is outside 0.001-10 mm per pixel; give millimetres per original pixel "
            "(e.g. 0.1 for 10 pixels per millimetre)")
    return Calibration(mm_per_px, Method.MANUAL, None, None, {"source": "entered by the user"})


def from_iris(landmarks_px: NDArray[np.float64], *, iris_diameter_mm: float = IRIS_DIAMETER_MM) -> Calibration:
    """Scale from both irises in ``landmarks_px`` (478, >=2), original pixels.

    Each iris diameter is the mean of its horizontal and vertical extents, as MediaPipe's own
    iris-depth calculator does (face-measurement.md §1.4): the two errors are largely independent, so
    the scale is steadier than from the horizontal extent alone.
    """
    right = _iris_diameter_px(landmarks_px, lm.IRIS_RIGHT_HORIZONTAL, lm.IRIS_RIGHT_VERTICAL)
    left = _iris_diameter_px(landmarks_px, lm.IRIS_LEFT_HORIZONTAL, lm.IRIS_LEFT_VERTICAL)
    if min(right, left) <= 0.5:
        raise CalibrationError("the irises could not be measured; use --marker-mm or --mm-per-px")
    mean = (right + left) / 2
    mm_per_px = iris_diameter_mm / mean
    relative = abs(right - left) / (right + left)
    ipd_px = float(np.linalg.norm(landmarks_px[lm.IRIS_CENTRE_LEFT, :2] - landmarks_px[lm.IRIS_CENTRE_RIGHT, :2]))
    absolute = float(np.hypot(relative, IRIS_DIAMETER_SD_MM / iris_diameter_mm)) * mm_per_px
    return Calibration(
        float(mm_per_px), Method.IRIS, float(relative * mm_per_px), absolute,
        {"iris_diameter_mm": iris_diameter_mm, "source": IRIS_SOURCE,
         "iris_diameter_px": {"left": round(left, 3), "right": round(right, 3)},
         "ipd_to_iris_ratio": round(ipd_px / mean, 3)})


def _iris_diameter_px(landmarks_px: NDArray[np.float64], horizontal: tuple[int, int],
                      vertical: tuple[int, int]) -> float:
    xy = landmarks_px[:, :2]
    across = np.linalg.norm(xy[horizontal[0]] - xy[horizontal[1]])
    down = np.linalg.norm(xy[vertical[0]] - xy[vertical[1]])
    return float((across + down) / 2)


def from_marker(rgb: NDArray[np.uint8], marker_mm: float, *, px_per_rgb_px: float) -> Calibration:
    """Scale from a printed square ArUco marker of side ``marker_mm`` visible in ``rgb``.

    ``px_per_rgb_px`` converts the searched image's pixels to original pixels. The marker should sit
    in the plane of the face (on the forehead or held at the cheek): a marker nearer the camera reads
    too large (face-measurement.md §3.1, depth-plane error).
    """
    if not np.isfinite(marker_mm) or not 3.0 <= marker_mm <= 500.0:
        raise CalibrationError(f"--marker-mm {marker_mm} is outside 3-500 mm; give the printed side length")
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    for name in _ARUCO_DICTIONARIES:
        dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, name))
        detector = cv2.aruco.ArucoDetector(dictionary, cv2.aruco.DetectorParameters())
        corners, ids, _ = detector.detectMarkers(grey)
        if ids is not None and len(ids):
            quad = max(corners, key=lambda c: cv2.contourArea(c.reshape(-1, 2).astype(np.float32)))
            quad = quad.reshape(4, 2).astype(np.float64)
            sides = np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1) * px_per_rgb_px
            side_px = float(sides.mean())
            mm_per_px = marker_mm / side_px
            spread = float(sides.std(ddof=1) / np.sqrt(len(sides)) / side_px) * mm_per_px
            return Calibration(mm_per_px, Method.MARKER, spread, spread,
                               {"marker_mm": marker_mm, "dictionary": name, "marker_side_px": round(side_px, 2),
                                "markers_found": len(ids)})
    raise CalibrationError(
        "no ArUco marker found in the photo; print the marker flat, keep it fully visible and sharp, "
        "or leave out --marker-mm to use the iris")
