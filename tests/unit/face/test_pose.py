import numpy as np
import pytest

from threadlift.face.camera import CameraModel, FocalSource
from threadlift.face.pose import HeadPose, View, classify_view, estimate_pose, level_pitch, project_canonical

POSES = [(0, 0, 0), (2, 0, 0), (-12, 4, -3), (30, -6, 5), (45, 0, 0), (-80, 3, 0)]
KNOWN_CAMERA = CameraModel(FocalSource.EXIF_35MM_EQUIVALENT, 4000.0, (1500.0, 2000.0))


@pytest.mark.parametrize("yaw, pitch, roll", POSES)
def test_pose_of_the_projected_canonical_face_is_recovered(yaw, pitch, roll):
    pose = estimate_pose(project_canonical(yaw, pitch, roll), KNOWN_CAMERA).pose
    assert pose.yaw_deg == pytest.approx(yaw, abs=0.1)
    assert pose.pitch_deg == pytest.approx(pitch, abs=0.1)
    assert pose.roll_deg == pytest.approx(roll, abs=0.1)


@pytest.mark.parametrize("yaw, pitch, roll", POSES[:4])
@pytest.mark.parametrize("offset_cm", [(18.0, 0.0), (0.0, -22.0), (-15.0, 14.0)])
def test_an_off_axis_face_reads_its_pose_against_the_line_of_sight_when_the_lens_axis_is_known(yaw, pitch, roll,
                                                                                                 offset_cm):
    estimate = estimate_pose(project_canonical(yaw, pitch, roll, offset_cm=offset_cm), KNOWN_CAMERA)
    assert (estimate.pose.yaw_deg, estimate.pose.pitch_deg, estimate.pose.roll_deg) == pytest.approx(
        (yaw, pitch, roll), abs=0.05)
    sight = estimate.line_of_sight
    assert sight.principal_point == "image_centre"
    assert sight.azimuth_deg == pytest.approx(np.degrees(np.arctan2(offset_cm[0], 120.0)), abs=0.05)
    assert sight.elevation_deg == pytest.approx(np.degrees(np.arctan2(-offset_cm[1], np.hypot(offset_cm[0], 120.0))),
                                                abs=0.05)
    assert sight.camera_distance_mm == pytest.approx(10 * np.linalg.norm([*offset_cm, 120.0]), rel=0.001)


@pytest.mark.parametrize("yaw, pitch, roll", POSES[:4])
@pytest.mark.parametrize("offset_cm, crop_px", [((12.0, 0.0), (400, 900)), ((0.0, -15.0), (1000, 0)),
                                                ((-10.0, 10.0), (0, 1700)), ((0.0, 0.0), (700, 300))])
def test_a_cropped_off_centre_face_reads_back_within_a_degree(yaw, pitch, roll, offset_cm, crop_px):
    """A crop moves the image centre off the lens axis by an unknown amount: the pose is solved with the
    principal point at the face and a portrait-distance focal length, and still reads the line-of-sight pose."""
    points = project_canonical(yaw, pitch, roll, offset_cm=offset_cm)
    points[:, :2] -= crop_px
    estimate = estimate_pose(points)
    assert (estimate.pose.yaw_deg, estimate.pose.pitch_deg, estimate.pose.roll_deg) == pytest.approx(
        (yaw, pitch, roll), abs=1.0)
    assert estimate.line_of_sight.principal_point == "face"
    assert estimate.line_of_sight.azimuth_deg is None and estimate.line_of_sight.elevation_deg is None


def test_a_face_placed_anywhere_in_a_larger_frame_reads_the_same_pose():
    points = project_canonical(6, -4, 2)
    poses = []
    for shift in ((0, 0), (0, -1500), (0, 1500), (-1200, 0), (1200, 300)):
        moved = points.copy()
        moved[:, :2] += shift
        pose = estimate_pose(moved).pose
        poses.append((pose.yaw_deg, pose.pitch_deg, pose.roll_deg))
    assert np.ptp(np.array(poses), axis=0).max() < 1e-6


def test_positive_yaw_turns_the_nose_toward_the_patients_left_image_right():
    turned = project_canonical(20, 0, 0)
    straight = project_canonical(0, 0, 0)
    assert turned[4, 0] > straight[4, 0]  # nose tip moves to image right = patient's left


def test_undoing_pitch_gives_the_level_face_and_keeps_yaw_and_roll():
    """On the canonical face, whose depth is exact, levelling a pitched head restores the level image."""
    for yaw, roll in ((0, 0), (5, 3)):
        level = project_canonical(yaw, 0, roll, distance_cm=10_000, focal_px=400_000)
        pitched = project_canonical(yaw, 8, roll, distance_cm=10_000, focal_px=400_000)
        restored = level_pitch(pitched, HeadPose(yaw, 8.0, roll))
        restored[:, :2] += (level[468, :2] + level[473, :2]) / 2 - (restored[468, :2] + restored[473, :2]) / 2
        ipd = np.linalg.norm(level[473, :2] - level[468, :2])
        assert np.abs(restored[:, :2] - level[:, :2]).max() < 0.002 * ipd


@pytest.mark.parametrize("yaw, view", [(0, View.FRONTAL), (14, View.FRONTAL), (-14, View.FRONTAL),
                                       (40, View.OBLIQUE_RIGHT), (-45, View.OBLIQUE_LEFT),
                                       (88, View.PROFILE_RIGHT), (-90, View.PROFILE_LEFT)])
def test_views_are_named_for_the_side_that_faces_the_camera(yaw, view):
    assert classify_view(HeadPose(yaw, 0.0, 0.0)) is view
