import cv2
import numpy as np
import pytest

from threadlift.face import calibrate
from threadlift.face.calibrate import Method
from threadlift.face.errors import CalibrationError
from threadlift.face.pose import project_canonical


def test_iris_scale_on_the_canonical_face_gives_its_true_size():
    points = project_canonical(0, 0, 0, distance_cm=120.0, focal_px=4000.0)
    calibration = calibrate.from_iris(points, iris_diameter_mm=12.0)  # the canonical iris is 1.2 cm wide
    true_mm_per_px = 10.0 * 120.0 / 4000.0  # project_canonical puts the eyes 120 cm from the camera
    assert calibration.method is Method.IRIS
    assert calibration.mm_per_px == pytest.approx(true_mm_per_px, rel=0.03)
    assert calibration.uncertainty_mm_per_px == pytest.approx(0.0, abs=1e-3)
    assert calibration.absolute_uncertainty_mm_per_px > 0  # the population spread is always there
    assert calibration.detail["source"].startswith("MediaPipe Iris")


def test_unequal_irises_give_an_uncertainty_from_their_disagreement():
    points = project_canonical(0, 0, 0)
    bigger = points.copy()
    centre = bigger[473, :2].copy()
    bigger[474:478, :2] = centre + (bigger[474:478, :2] - centre) * 1.10
    calibration = calibrate.from_iris(bigger)
    assert calibration.uncertainty_mm_per_px / calibration.mm_per_px == pytest.approx(0.10 / 2.10, rel=0.02)


def test_manual_scale_is_used_as_given_and_nonsense_is_refused():
    assert calibrate.manual(0.08).mm_per_px == 0.08
    assert calibrate.manual(0.08).method is Method.MANUAL
    for bad in (0.0, -1.0, float("nan"), 50.0):
        with pytest.raises(CalibrationError, match="mm per pixel"):
            calibrate.manual(bad)


def marker_image(side_px: int, dictionary: int = cv2.aruco.DICT_4X4_50) -> np.ndarray:
    marker = cv2.aruco.generateImageMarker(cv2.aruco.getPredefinedDictionary(dictionary), 7, side_px)
    canvas = np.full((side_px * 4, side_px * 4), 255, np.uint8)
    canvas[side_px:2 * side_px, side_px:2 * side_px] = marker
    return cv2.cvtColor(canvas, cv2.COLOR_GRAY2RGB)


@pytest.mark.parametrize("dictionary", [cv2.aruco.DICT_4X4_50, cv2.aruco.DICT_6X6_250])
def test_aruco_marker_sets_the_scale(dictionary):
    calibration = calibrate.from_marker(marker_image(200, dictionary), 30.0, px_per_rgb_px=2.0)
    assert calibration.method is Method.MARKER
    # 200 working pixels = 400 original pixels for 30 mm.
    assert calibration.mm_per_px == pytest.approx(30.0 / 400.0, rel=0.01)


def test_a_missing_marker_is_an_error_that_says_what_to_do():
    with pytest.raises(CalibrationError, match="no ArUco marker"):
        calibrate.from_marker(np.full((300, 300, 3), 128, np.uint8), 30.0, px_per_rgb_px=1.0)
