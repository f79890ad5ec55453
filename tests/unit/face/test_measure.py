"""Measuring one photo's landmarks: pose limits, uncertainty and pitch correction, on the canonical face."""

import numpy as np
import pytest

from threadlift.face.calibrate import Calibration, Method, from_iris
from threadlift.face.measure import COVERAGE_FACTOR, measure_frontal
from threadlift.face.metrics import MEASURES_BY_NAME
from threadlift.face.pose import HeadPose, View, project_canonical
from threadlift.face.pose_budget import budgets

# Far away with a long lens: the canonical face as an orthographic view, so MediaPipe-style z is exact.
FAR = {"distance_cm": 10_000.0, "focal_px": 400_000.0}


def _measured(yaw: float, pitch: float, view: View = View.FRONTAL, **options):  # type: ignore[no-untyped-def]
    points = project_canonical(yaw, pitch, 0.0, **FAR)
    return measure_frontal(points, HeadPose(yaw, pitch, 0.0), view, from_iris(points), **options)


def test_a_square_head_reports_every_value_with_at_least_its_noise_floor():
    measurements, symmetry = _measured(0.0, 0.0)
    for name, result in measurements.items():
        assert result.withheld is None, name
        floor = budgets()[name].uncertainty
        assert min(result.uncertainty.values()) >= COVERAGE_FACTOR * min(floor) * 0.999, name
    assert symmetry["overall"].value == pytest.approx(0.0, abs=1e-6)


def test_each_measurement_is_withheld_beyond_its_own_pitch_limit_with_what_to_change():
    assert budgets()["lower_third_mm"].pitch_limit_deg < 3.0 < budgets()["interpupillary_distance_mm"].pitch_limit_deg
    measurements, _ = _measured(0.0, 3.0)
    assert "level the head" in measurements["lower_third_mm"].withheld
    assert measurements["brow_height_lateral_mm"].withheld is None
    assert measurements["interpupillary_distance_mm"].withheld is None


def test_a_turned_head_withholds_left_right_comparisons_first():
    jaw = budgets()["jawline_angle_deg"].yaw_limit_deg
    measurements, symmetry = _measured(jaw + 0.5, 0.0)
    assert "face the camera squarely" in measurements["jawline_angle_deg"].withheld
    assert symmetry["jawline"].withheld is not None
    assert measurements["palpebral_fissure_height_mm"].withheld is None


def test_a_view_that_is_not_frontal_withholds_everything():
    measurements, symmetry = _measured(0.0, 0.0, View.OBLIQUE_LEFT)
    assert all("frontal photo" in r.withheld for r in [*measurements.values(), *symmetry.values()])


def test_the_pose_share_widens_the_uncertainty():
    square, _ = _measured(0.0, 0.0, enforce_pose_limits=False)
    nodded, _ = _measured(0.0, 6.0, enforce_pose_limits=False)
    assert nodded["lower_third_mm"].uncertainty["value"] > 2 * square["lower_third_mm"].uncertainty["value"]


def test_the_scale_uncertainty_enters_millimetres_but_not_angles_or_ratios():
    points = project_canonical(0.0, 0.0, 0.0, **FAR)
    exact = Calibration(from_iris(points).mm_per_px, Method.MANUAL, None, None, {})
    loose = Calibration(exact.mm_per_px, Method.IRIS, 0.02 * exact.mm_per_px, 0.05 * exact.mm_per_px, {})
    sure, _ = measure_frontal(points, HeadPose(0, 0, 0), View.FRONTAL, exact)
    unsure, _ = measure_frontal(points, HeadPose(0, 0, 0), View.FRONTAL, loose)
    width = "lower_face_width_mm"
    assert unsure[width].uncertainty["value"] > sure[width].uncertainty["value"]
    assert unsure[width].absolute_uncertainty["value"] > unsure[width].uncertainty["value"]
    for name in ("lateral_canthal_tilt_deg", "upper_lip_to_chin_ratio"):
        assert unsure[name].uncertainty == sure[name].uncertainty


def test_pitch_corrected_values_read_the_level_face_when_the_depth_is_exact():
    level, _ = _measured(0.0, 0.0)
    nodded, _ = _measured(0.0, 2.0)
    for name, result in nodded.items():
        if result.withheld is not None:
            continue
        assert result.pose_corrected is MEASURES_BY_NAME[name].pitch_corrected
        if result.pose_corrected:
            before = np.array([level[name].left, level[name].right] if result.left is not None else [level[name].value])
            after = np.array([result.left, result.right] if result.left is not None else [result.value])
            assert after == pytest.approx(before, rel=0.002, abs=0.01), name  # the iris itself shortens by cos(pitch)
