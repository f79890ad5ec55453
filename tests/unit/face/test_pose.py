import pytest

from threadlift.face.pose import HeadPose, View, classify_view, estimate_pose, project_canonical


@pytest.mark.parametrize("yaw, pitch, roll", [(0, 0, 0), (2, 0, 0), (-12, 4, -3), (30, -6, 5), (45, 0, 0), (-80, 3, 0)])
def test_pose_of_the_projected_canonical_face_is_recovered(yaw, pitch, roll):
    pose = estimate_pose(project_canonical(yaw, pitch, roll), (3000, 4000))
    assert pose.yaw_deg == pytest.approx(yaw, abs=0.1)
    assert pose.pitch_deg == pytest.approx(pitch, abs=0.1)
    assert pose.roll_deg == pytest.approx(roll, abs=0.1)


def test_positive_yaw_turns_the_nose_toward_the_patients_left_image_right():
    turned = project_canonical(20, 0, 0)
    straight = project_canonical(0, 0, 0)
    assert turned[4, 0] > straight[4, 0]  # nose tip moves to image right = patient's left


@pytest.mark.parametrize("yaw, view", [(0, View.FRONTAL), (14, View.FRONTAL), (-14, View.FRONTAL),
                                       (40, View.OBLIQUE_RIGHT), (-45, View.OBLIQUE_LEFT),
                                       (88, View.PROFILE_RIGHT), (-90, View.PROFILE_LEFT)])
def test_views_are_named_for_the_side_that_faces_the_camera(yaw, view):
    assert classify_view(HeadPose(yaw, 0.0, 0.0)) is view
