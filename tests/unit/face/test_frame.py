import numpy as np

from threadlift.face.frame import FaceFrame, right_side_as_left
from threadlift.face.pose import project_canonical


def test_face_frame_puts_pupils_on_the_x_axis_at_half_the_ipd():
    points = project_canonical(0, 0, 0)
    frame = FaceFrame.from_landmarks(points, 0.1)
    mm = frame.to_mm(points)
    assert np.allclose(mm[468, 1], 0) and np.allclose(mm[473, 1], 0)
    assert mm[473, 0] > 0 > mm[468, 0]
    assert mm[152, 1] > 0  # chin below: y points down


def test_face_frame_removes_roll_and_round_trips():
    level = FaceFrame.from_landmarks(project_canonical(0, 0, 0), 0.1)
    tilted_points = project_canonical(0, 0, 12)
    tilted = FaceFrame.from_landmarks(tilted_points, 0.1)
    assert np.allclose(tilted.to_px(tilted.to_mm(tilted_points)), tilted_points[:, :2])
    assert np.allclose(tilted.to_mm(tilted_points), level.to_mm(project_canonical(0, 0, 0)), atol=0.05)


def test_right_side_as_left_is_its_own_inverse():
    points = np.random.default_rng(1).normal(size=(478, 2))
    assert np.allclose(right_side_as_left(right_side_as_left(points)), points)
