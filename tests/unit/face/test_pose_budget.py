"""The error budget is computed, not typed: these tests recompute it independently."""

import numpy as np
import pytest

from threadlift.face import landmarks as lm
from threadlift.face.calibrate import from_iris
from threadlift.face.frame import FaceFrame
from threadlift.face.metrics import MEASURES, compute
from threadlift.face.pose import project_canonical
from threadlift.face.pose_budget import MAX_LIMIT_DEG, budgets, components, landmark_noise_px, pose_change

NAMES = [m.name for m in MEASURES] + [f"asymmetry_{r}" for r in (*lm.ASYMMETRY_REGIONS, "overall")]


@pytest.mark.parametrize("name", NAMES)
def test_each_limit_is_where_the_pose_change_first_reaches_the_noise_floor(name):
    budget = budgets()[name]
    floor = np.array(budget.uncertainty)
    for axis, limit in (("yaw", budget.yaw_limit_deg), ("pitch", budget.pitch_limit_deg)):
        def worst(angle: float, axis: str = axis) -> np.ndarray:
            turns = [(angle, 0.0), (-angle, 0.0)] if axis == "yaw" else [(0.0, angle), (0.0, -angle)]
            return np.maximum(*(pose_change(name, yaw, pitch) for yaw, pitch in turns))

        inside = np.linspace(0.0, limit * 0.97, 25)
        assert all((worst(a) < floor).all() for a in inside), (name, axis, limit)
        if limit < MAX_LIMIT_DEG:
            assert (worst(limit * 1.03) >= floor).any(), (name, axis, limit)


@pytest.mark.parametrize("name", [m.name for m in MEASURES])
def test_the_noise_floor_matches_a_simulation_of_landmark_noise(name):
    """Monte Carlo: jitter the canonical face's landmarks with the per-region noise and measure the spread."""
    measure = next(m for m in MEASURES if m.name == name)
    points = project_canonical(0.0, 0.0, 0.0)
    scale = from_iris(points).mm_per_px
    ipd_px = float(np.linalg.norm(points[lm.IRIS_CENTRE_LEFT, :2] - points[lm.IRIS_CENTRE_RIGHT, :2]))
    sigma = landmark_noise_px(ipd_px)
    rng = np.random.default_rng(7)
    samples = []
    for _ in range(400):
        noisy = points.copy()
        noisy[:, :2] += rng.normal(size=(lm.N_LANDMARKS, 2)) * sigma[:, None]
        samples.append(components(compute(measure, FaceFrame.from_landmarks(noisy, scale).to_mm(noisy))))
    simulated = np.std(np.array(samples), axis=0)
    assert simulated == pytest.approx(np.array(budgets()[name].uncertainty), rel=0.15)


def test_sensitivities_are_the_canonical_face_turned_by_a_degree():
    budget = budgets()["lower_third_mm"]
    frontal, nodded = (project_canonical(0.0, pitch, 0.0) for pitch in (0.0, 1.0))

    def lower_third(points: np.ndarray) -> float:
        mm = FaceFrame.from_landmarks(points, from_iris(points).mm_per_px).to_mm(points)
        return float(compute(next(m for m in MEASURES if m.name == "lower_third_mm"), mm))

    assert budget.pitch_change_per_deg == pytest.approx(abs(lower_third(nodded) - lower_third(frontal)), rel=0.25)


def test_what_pose_cannot_move_has_the_frontal_views_limit():
    budget = budgets()["palpebral_fissure_height_mm"]  # a short vertical gap inside one eye
    assert budget.yaw_limit_deg == budget.pitch_limit_deg == MAX_LIMIT_DEG
    assert budgets()["interpupillary_distance_mm"].yaw_limit_deg > budgets()["jawline_angle_deg"].yaw_limit_deg


def test_left_right_comparisons_are_the_first_to_go_with_yaw():
    """face-measurement.md §3.2: yaw falsifies left/right asymmetry within a degree or two."""
    table = budgets()
    assert table["asymmetry_jawline"].yaw_limit_deg < 1.0
    assert table["asymmetry_overall"].yaw_limit_deg < table["brow_height_mid_pupil_mm"].yaw_limit_deg
    assert table["brow_height_mid_pupil_mm"].pitch_limit_deg < table["brow_height_lateral_mm"].pitch_limit_deg
