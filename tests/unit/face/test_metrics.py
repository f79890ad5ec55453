from pathlib import Path

import numpy as np
import pytest

from threadlift.face import landmarks as lm
from threadlift.face.frame import FaceFrame, right_side_as_left
from threadlift.face.metrics import MEASURES, MEASURES_BY_NAME, asymmetry_mm, compute
from threadlift.face.pose import project_canonical
from threadlift.face.reference import markdown_table


def canonical_mm() -> np.ndarray:
    face = lm.canonical_face_cm()[:, :2] * np.array([10.0, -10.0])
    return face - (face[lm.IRIS_CENTRE_LEFT] + face[lm.IRIS_CENTRE_RIGHT]) / 2


def value(name: str, points: np.ndarray):
    return compute(MEASURES_BY_NAME[name], points)


def test_symmetric_face_has_equal_sides_and_no_asymmetry():
    points = canonical_mm()
    for measure in MEASURES:
        result = compute(measure, points)
        if measure.sided:
            assert result[0] == pytest.approx(result[1], abs=1e-4), measure.name
    assert asymmetry_mm(points)["overall"] == pytest.approx(0.0, abs=1e-5)


def test_lifting_the_left_brow_by_3_mm_changes_only_the_left_brow_height():
    points = canonical_mm()
    lifted = points.copy()
    lifted[list(lm.UPPER_BROW_LEFT), 1] -= 3.0  # y points down: up is negative
    before_left, before_right = value("brow_height_mid_pupil_mm", points)
    after_left, after_right = value("brow_height_mid_pupil_mm", lifted)
    assert after_left - before_left == pytest.approx(3.0)
    assert after_right == pytest.approx(before_right)
    assert asymmetry_mm(lifted)["brow"] > 1.0 and asymmetry_mm(lifted)["mouth"] == pytest.approx(0, abs=1e-5)


def test_a_flipped_face_swaps_left_and_right_exactly():
    rng = np.random.default_rng(7)
    points = canonical_mm() + rng.normal(scale=1.0, size=(lm.N_LANDMARKS, 2))
    flipped = right_side_as_left(points)  # the mirror image, indices relabelled as MediaPipe would
    for measure in MEASURES:
        original, mirrored = compute(measure, points), compute(measure, flipped)
        if measure.sided:
            assert mirrored[0] == pytest.approx(original[1]) and mirrored[1] == pytest.approx(original[0])
        else:
            assert mirrored == pytest.approx(original), measure.name


def test_jowl_depth_grows_by_the_outward_bulge():
    points = canonical_mm()
    bulged = points.copy()
    gonion_to_chin = points[lm.MENTON] - points[397]
    outward = np.array([gonion_to_chin[1], -gonion_to_chin[0]]) / np.linalg.norm(gonion_to_chin)
    bulged[379] += 2.5 * outward
    left_before, _ = value("jowl_depth_mm", points)
    left_after, right_after = value("jowl_depth_mm", bulged)
    assert left_after > left_before
    assert right_after == pytest.approx(left_before)


def test_raising_the_lateral_canthus_increases_canthal_tilt():
    points = canonical_mm()
    raised = points.copy()
    raised[lm.LATERAL_CANTHUS_LEFT, 1] -= 2.0
    assert value("lateral_canthal_tilt_deg", raised)[0] > value("lateral_canthal_tilt_deg", points)[0] + 3


@pytest.mark.parametrize("roll_deg, mm_per_px", [(0.0, 0.1), (9.0, 0.1), (-7.0, 0.05)])
def test_measurements_do_not_depend_on_roll_or_image_scale(roll_deg, mm_per_px):
    reference = FaceFrame.from_landmarks(project_canonical(0, 0, 0), 0.1)
    ref_mm = reference.to_mm(project_canonical(0, 0, 0))
    # The same face photographed with the camera 2x closer per pixel needs half the mm per pixel.
    scaled = project_canonical(0, 0, roll_deg, focal_px=4000.0 * 0.1 / mm_per_px)
    moved_mm = FaceFrame.from_landmarks(scaled, mm_per_px).to_mm(scaled)
    for measure in MEASURES:
        assert np.allclose(compute(measure, moved_mm), compute(measure, ref_mm), atol=0.02), measure.name


def test_measurement_docs_are_generated_from_the_table():
    docs = Path(__file__).resolve().parents[3] / "docs" / "measurements.md"
    assert docs.read_text() == markdown_table(), "run: make docs"
