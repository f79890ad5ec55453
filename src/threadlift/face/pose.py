"""Head pose (yaw, pitch, roll in degrees) and the photographic view it implies.

Pose comes from ``cv2.solvePnP`` fitting MediaPipe's canonical metric face to the 2D landmarks
(face-measurement.md §2.1 "Head pose", §3.2). Sign conventions, all from the patient's point of
view in an unmirrored photo:

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

# MediaPipe's own rigid-fit basis (geometry_pipeline_metadata_landmarks.pbtxt, face-measurement.md §2.4).
# Cheek and jaw points move with a lift, but by millimetres against a 15 cm face: fine for pose.
_POSE_POINTS = (4, 6, 10, 33, 54, 67, 117, 119, 121, 127, 129, 132, 133, 136, 143, 147, 198, 205, 263,
                284, 297, 346, 348, 350, 356, 358, 361, 362, 365, 372, 376, 420, 425)
# OpenCV's camera looks along +z with y down; the canonical face has y up and z toward the camera.
_MODEL_TO_CAMERA = np.diag([1.0, -1.0, -1.0])


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
    yaw_deg: float
    pitch_deg: float
    roll_deg: float


def estimate_pose(landmarks_px: NDArray[np.float64], image_size_px: tuple[int, int]) -> HeadPose:
    """Head pose from landmarks (478, >=2) in pixels of an image of ``(width, height)``.

    The focal length is taken as the image's long side (a normal lens); at clinical distances the
    angles barely depend on it.
    """
    width, height = image_size_px
    focal = float(max(width, height))
    camera = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]], dtype=np.float64)
    model = lm.canonical_face_cm()[list(_POSE_POINTS)]
    image_points = np.ascontiguousarray(landmarks_px[list(_POSE_POINTS), :2], dtype=np.float64)
    no_distortion = np.zeros(4)
    ok, rvec, _ = cv2.solvePnP(model, image_points, camera, no_distortion, flags=cv2.SOLVEPNP_SQPNP)
    if not ok:
        ok, rvec, _ = cv2.solvePnP(model, image_points, camera, no_distortion, flags=cv2.SOLVEPNP_ITERATIVE)
    rotation, _ = cv2.Rodrigues(rvec)
    head = _MODEL_TO_CAMERA @ rotation  # the head's own rotation, in model axes
    # head = Rz(-roll) . Ry(yaw) . Rx(-pitch) in standard right-handed rotations (see project_canonical).
    yaw = float(np.degrees(np.arcsin(np.clip(-head[2, 0], -1.0, 1.0))))
    roll = float(np.degrees(-np.arctan2(head[1, 0], head[0, 0])))
    pitch = float(np.degrees(-np.arctan2(head[2, 1], head[2, 2])))
    return HeadPose(yaw, pitch, roll)


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
                      focal_px: float = 4000.0, size_px: tuple[int, int] = (3000, 4000)) -> NDArray[np.float64]:
    """Image of the canonical face under a known pose: (478, 3) pixels, for tests and simulations.

    Roll here turns the head about the camera axis with the same sign as :attr:`HeadPose.roll_deg`.
    """
    yaw, pitch, roll = np.radians([yaw_deg, pitch_deg, roll_deg])
    turn = np.array([[np.cos(yaw), 0, np.sin(yaw)], [0, 1, 0], [-np.sin(yaw), 0, np.cos(yaw)]])
    nod = np.array([[1, 0, 0], [0, np.cos(pitch), np.sin(pitch)], [0, -np.sin(pitch), np.cos(pitch)]])
    tilt = np.array([[np.cos(roll), np.sin(roll), 0], [-np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
    head = tilt @ turn @ nod
    camera_points = (_MODEL_TO_CAMERA @ head @ lm.canonical_face_cm().T).T
    camera_points[:, 2] += distance_cm
    width, height = size_px
    projected = np.empty((lm.N_LANDMARKS, 3))
    projected[:, 0] = focal_px * camera_points[:, 0] / camera_points[:, 2] + width / 2
    projected[:, 1] = focal_px * camera_points[:, 1] / camera_points[:, 2] + height / 2
    projected[:, 2] = (camera_points[:, 2] - distance_cm) * focal_px / distance_cm
    return projected
