"""Head pose (yaw, pitch, roll in degrees) against the line of sight, and the view it implies.

Pose comes from ``cv2.solvePnP`` fitting MediaPipe's canonical metric face to the 2D landmarks
(face-measurement.md §2.1 "Head pose", §3.2). What foreshortens a face is its angle to the line of
sight from the camera to the face, so that is the pose reported: the camera's own rotation toward
the face (its pan and tilt, which a crop or an off-centre face changes) is removed. Where the lens
axis is unknown (any photo that may be cropped) the solve puts the principal point at the face
(:mod:`threadlift.face.camera`). Sign conventions, from the patient's point of view in an unmirrored
photo:

* ``yaw_deg`` > 0: the nose points toward the patient's left (the right cheek faces the camera).
* ``pitch_deg`` > 0: the chin is raised.
* ``roll_deg`` > 0: the head tilts so the patient's left eye is lower in the image.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np
from numpy.typing import NDArray

from threadlift.face import landmarks as lm
from threadlift.face.camera import ASSUMED_CAMERA_DISTANCE_MM, CameraModel, FocalSource

# MediaPipe's own rigid-fit basis (geometry_pipeline_metadata_landmarks.pbtxt, face-measurement.md §2.4)
# without its cheek and jaw points (117, 119, 121, 132, 136, 147, 205 and their mirrors), which a smile,
# an open mouth or a lift moves: with them the smiling sample portrait read 3° more chin-down than
# without, while both sets move under 0.1° (SD) when a photo is rotated, rescaled or recompressed.
_POSE_POINTS = (4, 6, 10, 33, 54, 67, 127, 129, 133, 143, 198, 263, 284, 297, 356, 358, 362, 372, 420)
# OpenCV's camera looks along +z with y down; the canonical face has y up and z toward the camera.
_MODEL_TO_CAMERA = np.diag([1.0, -1.0, -1.0])
# The line of sight runs from the camera to the midpoint between the pupils (the face frame's origin).
_EYES_MIDPOINT_CM = (lm.canonical_face_cm()[lm.IRIS_CENTRE_LEFT] + lm.canonical_face_cm()[lm.IRIS_CENTRE_RIGHT]) / 2


class View(StrEnum):
    FRONTAL = "frontal"
    OBLIQUE_LEFT = "oblique_left"
    OBLIQUE_RIGHT = "oblique_right"
    PROFILE_LEFT = "profile_left"
    PROFILE_RIGHT = "profile_right"


FRONTAL_VIEW_MAX_YAW_DEG = 15.0
OBLIQUE_VIEW_MAX_YAW_DEG = 65.0


@dataclass(frozen=True)
class HeadPose:
    """The head's rotation against the line of sight from the camera to the face."""

    yaw_deg: float
    pitch_deg: float
    roll_deg: float


@dataclass(frozen=True)
class LineOfSight:
    """How the pose was solved, and where the face lay as the camera saw it.

    ``azimuth_deg`` / ``elevation_deg`` are the direction of the ray from the camera to the face
    against the lens axis (positive: the face right of / above the image centre); they are known
    only when the lens axis is (an uncropped photo), else None. ``camera_distance_mm`` is the solve's
    distance from the camera to the face (the assumption itself, when the focal length was assumed).
    """

    focal_length_px: float
    focal_source: FocalSource
    focal_length_35mm: float | None
    principal_point: str  # "image_centre" (the lens axis) or "face" (the lens axis is unknown)
    camera_distance_mm: float
    azimuth_deg: float | None
    elevation_deg: float | None


@dataclass(frozen=True)
class PoseEstimate:
    pose: HeadPose
    line_of_sight: LineOfSight


def estimate_pose(landmarks_px: NDArray[np.float64], camera: CameraModel | None = None) -> PoseEstimate:
    """Head pose against the line of sight from landmarks (478, >=2) in original-image pixels.

    ``camera`` defaults to an unknown frame: principal point at the face, focal length from
    :data:`threadlift.face.camera.ASSUMED_CAMERA_DISTANCE_MM`.
    """
    camera = camera or CameraModel(FocalSource.ASSUMED_DISTANCE, assumed_distance_mm=ASSUMED_CAMERA_DISTANCE_MM)
    image_points = np.ascontiguousarray(landmarks_px[list(_POSE_POINTS), :2], dtype=np.float64)
    centre = camera.principal_point_px
    at_face = centre is None
    # Unknown lens axis: put it through the midpoint between the pupils, where the line of sight meets
    # the face, so the ray left to remove is nearly the axis whatever focal length is assumed.
    eyes_px = (landmarks_px[lm.IRIS_CENTRE_LEFT, :2] + landmarks_px[lm.IRIS_CENTRE_RIGHT, :2]) / 2
    principal = (float(eyes_px[0]), float(eyes_px[1])) if centre is None else centre
    if camera.focal_length_px is not None:
        focal = camera.focal_length_px
        rotation, translation = _solve(image_points, focal, principal)
    else:
        # Any focal length gives the face's scale (pixels per cm at the face); the assumed distance then
        # sets the focal length that puts the face there.
        trial = 10.0 * float(np.ptp(image_points, axis=0).max())
        _, trial_translation = _solve(image_points, trial, principal)
        distance_cm = (camera.assumed_distance_mm or ASSUMED_CAMERA_DISTANCE_MM) / 10.0
        focal = trial * distance_cm / max(float(trial_translation[2]), 1e-6)
        rotation, translation = _solve(image_points, focal, principal)
    eyes = rotation @ _EYES_MIDPOINT_CM + translation  # the face's centre as the camera sees it (cm)
    azimuth, elevation = _ray_angles(eyes)
    towards_face = _pan_tilt(azimuth, elevation)
    head = _MODEL_TO_CAMERA @ towards_face.T @ rotation  # the head's rotation, line-of-sight axes
    # head = Rz(-roll) . Ry(yaw) . Rx(-pitch) in standard right-handed rotations (see project_canonical).
    yaw = float(np.degrees(np.arcsin(np.clip(-head[2, 0], -1.0, 1.0))))
    roll = float(np.degrees(-np.arctan2(head[1, 0], head[0, 0])))
    pitch = float(np.degrees(-np.arctan2(head[2, 1], head[2, 2])))
    sight = LineOfSight(float(focal), camera.source, camera.focal_length_35mm,
                        "face" if at_face else "image_centre", float(np.linalg.norm(eyes)) * 10.0,
                        None if at_face else float(np.degrees(azimuth)),
                        None if at_face else float(np.degrees(elevation)))
    return PoseEstimate(HeadPose(yaw, pitch, roll), sight)


def _solve(image_points: NDArray[np.float64], focal: float,
           principal: tuple[float, ...]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Rotation (model to camera axes) and translation (cm) of the canonical face."""
    camera = np.array([[focal, 0, principal[0]], [0, focal, principal[1]], [0, 0, 1]], dtype=np.float64)
    model = lm.canonical_face_cm()[list(_POSE_POINTS)]
    no_distortion = np.zeros(4)
    ok, rvec, tvec = cv2.solvePnP(model, image_points, camera, no_distortion, flags=cv2.SOLVEPNP_SQPNP)
    if not ok:
        ok, rvec, tvec = cv2.solvePnP(model, image_points, camera, no_distortion, flags=cv2.SOLVEPNP_ITERATIVE)
    rotation, _ = cv2.Rodrigues(rvec)
    return np.asarray(rotation, dtype=np.float64), np.asarray(tvec, dtype=np.float64).reshape(3)


def _ray_angles(point: NDArray[np.float64]) -> tuple[float, float]:
    """Azimuth (toward image right) and elevation (toward image top) of a camera-space point, radians."""
    x, y, z = (float(v) for v in point)
    return float(np.arctan2(x, z)), float(np.arctan2(-y, np.hypot(x, z)))


def _pan_tilt(azimuth: float, elevation: float) -> NDArray[np.float64]:
    """Camera-space rotation that turns the lens axis onto a ray: pan about the vertical, then tilt."""
    pan = np.array([[np.cos(azimuth), 0, np.sin(azimuth)], [0, 1, 0], [-np.sin(azimuth), 0, np.cos(azimuth)]])
    tilt = np.array([[1, 0, 0], [0, np.cos(elevation), -np.sin(elevation)], [0, np.sin(elevation), np.cos(elevation)]])
    return np.asarray(pan @ tilt, dtype=np.float64)


def level_pitch(landmarks_px: NDArray[np.float64], pose: HeadPose) -> NDArray[np.float64]:
    """The landmarks as they would lie with the head's pitch undone (yaw and roll kept).

    MediaPipe's landmarks carry a relative depth ``z`` on the scale of ``x`` (face-measurement.md §2.1),
    so the mesh is a 3D face seen along the line of sight. Turning it back about the head's own
    ear-to-ear axis by the measured pitch and projecting again gives the face as a level head would
    show it. Only pitch is undone: on re-rendered real faces, undoing yaw as well made left/right
    values worse (tests/integration/test_pose_compensation.py).
    """
    points = np.asarray(landmarks_px, dtype=np.float64)
    centre = (points[lm.IRIS_CENTRE_LEFT] + points[lm.IRIS_CENTRE_RIGHT]) / 2
    # The head's rotation is turn-and-tilt after the nod (_rotation); the nod is undone about the head's
    # own ear-to-ear axis, i.e. conjugated by the turn and tilt, which stay. Image axes (x right, y down,
    # z away) are model axes (x toward the patient's left, y up, z toward the camera) through
    # _MODEL_TO_CAMERA.
    kept = _rotation(pose.yaw_deg, 0.0, pose.roll_deg)
    nod = _rotation(0.0, pose.pitch_deg, 0.0)
    undo = _MODEL_TO_CAMERA @ kept @ nod.T @ kept.T @ _MODEL_TO_CAMERA
    return np.asarray((points - centre) @ undo.T + centre, dtype=np.float64)


def _rotation(yaw_deg: float, pitch_deg: float, roll_deg: float) -> NDArray[np.float64]:
    """The head rotation of a pose, model axes: Rz(-roll) . Ry(yaw) . Rx(-pitch) (see project_canonical)."""
    yaw, pitch, roll = np.radians([yaw_deg, pitch_deg, roll_deg])
    turn = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    nod = np.array([[1, 0, 0], [0, np.cos(pitch), np.sin(pitch)], [0, -np.sin(pitch), np.cos(pitch)]])
    tilt = np.array([[np.cos(roll), np.sin(roll), 0], [-np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
    return np.asarray(tilt @ turn @ nod, dtype=np.float64)


def roll_from_eyes(landmarks_px: NDArray[np.float64]) -> float:
    """Tilt of the inter-pupillary line in the image, degrees (the roll the face frame removes)."""
    axis = landmarks_px[lm.IRIS_CENTRE_LEFT, :2] - landmarks_px[lm.IRIS_CENTRE_RIGHT, :2]
    return float(np.degrees(np.arctan2(axis[1], axis[0])))


def classify_view(pose: HeadPose) -> View:
    """Frontal within 15° of yaw, oblique up to 65°, profile beyond; named for the side facing the camera."""
    magnitude = abs(pose.yaw_deg)
    if magnitude <= FRONTAL_VIEW_MAX_YAW_DEG:
        return View.FRONTAL
    right_side_shown = pose.yaw_deg > 0
    if magnitude <= OBLIQUE_VIEW_MAX_YAW_DEG:
        return View.OBLIQUE_RIGHT if right_side_shown else View.OBLIQUE_LEFT
    return View.PROFILE_RIGHT if right_side_shown else View.PROFILE_LEFT


def project_canonical(yaw_deg: float, pitch_deg: float, roll_deg: float, *, distance_cm: float = 120.0,
                      focal_px: float = 4000.0, size_px: tuple[int, int] = (3000, 4000),
                      offset_cm: tuple[float, float] = (0.0, 0.0)) -> NDArray[np.float64]:
    """Image of the canonical face under a known pose: (478, 3) pixels, for tests and simulations.

    The pose is against the line of sight, as :func:`estimate_pose` reports it. The midpoint between
    the eyes lies ``distance_cm`` in front of the camera and ``offset_cm`` (x right, y down) off its
    lens axis, which meets the image at its centre. Roll turns the head about the line of sight with
    the same sign as :attr:`HeadPose.roll_deg`.
    """
    head = _rotation(yaw_deg, pitch_deg, roll_deg)
    eyes = np.array([offset_cm[0], offset_cm[1], distance_cm])
    towards_face = _pan_tilt(*_ray_angles(eyes))
    centred = lm.canonical_face_cm() - _EYES_MIDPOINT_CM
    camera_points = (towards_face @ _MODEL_TO_CAMERA @ head @ centred.T).T + eyes
    width, height = size_px
    projected = np.empty((lm.N_LANDMARKS, 3))
    projected[:, 0] = focal_px * camera_points[:, 0] / camera_points[:, 2] + width / 2
    projected[:, 1] = focal_px * camera_points[:, 1] / camera_points[:, 2] + height / 2
    projected[:, 2] = (camera_points[:, 2] - distance_cm) * focal_px / distance_cm
    return projected
