"""Treatment areas on the face: where each is (from the landmarks) and which way a thread lifts it.

One definition serves the before/after comparison (where to average the tissue movement) and the
lift preview (what to move). Polygons are MediaPipe indices on the patient's left; the right side
uses their mirror partners. Lift directions are unit vectors in the face frame with x toward the
patient's lateral side and y upward.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np
from numpy.typing import NDArray

from threadlift.face import landmarks as lm


class Area(StrEnum):
    BROW = "brow"
    MIDFACE = "midface"
    NASOLABIAL = "nasolabial"
    JAWLINE = "jawline"
    COMMISSURE = "commissure"
    NECK = "neck"


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"


@dataclass(frozen=True)
class AreaDefinition:
    area: Area
    outline_left: tuple[int, ...]  # polygon (convex hull is used) on the patient's left
    lift_direction: tuple[float, float]  # (lateral, up), unit length
    source: str


def _unit(lateral: float, up: float) -> tuple[float, float]:
    norm = float(np.hypot(lateral, up))
    return lateral / norm, up / norm


# Polygons leave gaps of a few millimetres between areas, so a lift simulated in one area can fade
# out before it reaches the next. Directions: thread-lift-clinical.md §2.2.
AREAS: dict[Area, AreaDefinition] = {
    Area.BROW: AreaDefinition(
        Area.BROW, (383, 300, 293, 334, 296, 336, 285, 295, 282, 283, 276), _unit(0.25, 1.0),
        "brow threads lift the lateral brow upward [LAM20]; the brow band between the upper and lower brow contours"),
    Area.MIDFACE: AreaDefinition(
        Area.MIDFACE, (346, 345, 352, 280, 330, 347), _unit(0.45, 1.0),
        "superior / superolateral vector toward temporal or lateral-orbital anchoring [MYUNG20][CHOI20]; malar region"),
    Area.NASOLABIAL: AreaDefinition(
        Area.NASOLABIAL, (423, 426, 436, 425), _unit(0.6, 1.0),
        "vectors from fixed lateral points toward the fold [NLF24]; the cheek just lateral to the upper fold"),
    Area.JAWLINE: AreaDefinition(
        Area.JAWLINE, (416, 367, 365, 379, 394, 430, 434), _unit(0.8, 0.6),
        "jowl suspended toward an anchor above the ear [DRLEE-BLOG, unverified][DIAS21]; jowl over the mandibular "
        "body"),
    Area.COMMISSURE: AreaDefinition(
        Area.COMMISSURE, (287, 422, 424, 335, 273), _unit(0.6, 0.8),
        "corner of the mouth lifted as part of the jowl vectors [SUH15]; skin lateral to and below the commissure"),
}
FRONTAL_AREAS = tuple(AREAS)
# Neck movement needs two profile photos; its mask comes from the silhouette, not the mesh.
ALL_AREAS = (*FRONTAL_AREAS, Area.NECK)

# Points that a lift never moves: used to check registration and the flow's own noise (§2.4).
NASAL_DORSUM = (168, 6, 197, 195, 5)
# Eyes, nose and lips stay undistorted in a preview.
PINNED_FEATURES = tuple(sorted(set(
    lm.UPPER_LID_LEFT + lm.LOWER_LID_LEFT + lm.mirrored(lm.UPPER_LID_LEFT + lm.LOWER_LID_LEFT)
    + (468, 469, 470, 471, 472, 473, 474, 475, 476, 477)
    + (168, 6, 197, 195, 5, 4, 1, 2, 98, 327, 129, 358, 64, 294)
    + (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 146, 91, 181, 84, 17, 314, 405, 321, 375))))


def outline_indices(area: Area, side: Side) -> tuple[int, ...]:
    left = AREAS[area].outline_left
    return left if side is Side.LEFT else lm.mirrored(left)


def lift_direction_mm(area: Area, side: Side) -> NDArray[np.float64]:
    """The lift direction in face-frame axes (x toward the patient's left, y down)."""
    lateral, up = AREAS[area].lift_direction
    return np.array([lateral if side is Side.LEFT else -lateral, -up])


def outline_mm(points_mm: NDArray[np.float64], area: Area, side: Side) -> NDArray[np.float64]:
    """Convex outline of an area, face-frame mm, (K, 2)."""
    corners = points_mm[list(outline_indices(area, side)), :2].astype(np.float32)
    return np.asarray(cv2.convexHull(corners).reshape(-1, 2), dtype=np.float64)


def to_face_frame_vector(displacement_mm: NDArray[np.float64], side: Side) -> tuple[float, float]:
    """Face-frame displacement (x to the patient's left, y down) as (lateral, up) for one side."""
    dx, dy = float(displacement_mm[0]), float(displacement_mm[1])
    return (dx if side is Side.LEFT else -dx), -dy


def rigid_outlines_mm(points_mm: NDArray[np.float64]) -> list[NDArray[np.float64]]:
    """Tissue that no thread moves: the nasal bridge and small discs at the four canthi (§2.4)."""
    discs = []
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    for index in (33, 133, 263, 362):
        discs.append(points_mm[index, :2] + 3.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1))
    return [nasal_dorsum_outline_mm(points_mm), *discs]


def nasal_dorsum_outline_mm(points_mm: NDArray[np.float64], half_width_mm: float = 4.0) -> NDArray[np.float64]:
    """A band along the nasal bridge, face-frame mm: tissue that no thread moves."""
    spine = points_mm[list(NASAL_DORSUM), :2]
    offset = np.array([half_width_mm, 0.0])
    left, right = spine + offset, spine - offset
    return np.vstack([left, right[::-1]])
