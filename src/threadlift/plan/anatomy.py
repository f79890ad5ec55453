"""Named anatomical points in the face frame, taken or estimated from the mesh landmarks.

A frontal photo does not show the tragus or the mandibular border as such: the tragus is estimated
at the face-outline vertex at ear level (234 and 454 lie near it on the canonical face,
face-measurement.md §3.4) and the border from the lower face outline. Names ending in ``*`` in
:data:`ESTIMATED` are such estimates; zones built on them say so.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from threadlift.face import landmarks as lm
from threadlift.plan.model import Point

# Per side: (name, left-side landmark index or indices averaged). Right uses the mirror partners.
_SIDED = {
    "tragus": (454,),  # estimate
    "lateral_canthus": (263,),
    "medial_canthus": (362,),
    "pupil": (473,),
    "brow_tail": (300, 276),  # the lateral end of the brow, upper and lower border
    "brow_mid": (334,),
    "malar_lateral": (345,),
    "malar_low": (280,),
    "cheek_centre": (425,),
    "alar_base": (358,),
    "nlf_upper": (423,),
    "nlf_mid": (426,),
    "nlf_lower": (436,),
    "commissure": (291,),
    "marionette": (422, 424),
    "gonion": (397, 288),  # estimate
    "jowl_upper": (365, 364),
    "jowl": (379, 394),
    "mandible_front": (400, 377),
}
_MIDLINE = {"upper_lip_mid": (0,), "menton": (152,), "nasion": (168,), "subnasale": (2,)}
ESTIMATED = frozenset({"tragus_left", "tragus_right", "gonion_left", "gonion_right"})
# The lower face outline from gonion to menton: the mandibular border as a frontal photo shows it.
MANDIBULAR_BORDER_LEFT = (397, 365, 379, 378, 400, 377, 152)


NAMES = frozenset([f"{name}_{side}" for name in _SIDED for side in ("left", "right")] + list(_MIDLINE)
                  + [f"border_{i}_{side}" for i in range(len(MANDIBULAR_BORDER_LEFT)) for side in ("left", "right")])
"""Every named point a plan's zones and checks read (what :func:`anatomy` makes)."""


def missing(named: dict[str, Point]) -> list[str]:
    """The named points a plan document lacks: a plan made elsewhere, or edited by hand, may miss some."""
    return sorted(NAMES - named.keys())


def anatomy(points_mm: NDArray[np.float64]) -> dict[str, Point]:
    """Named points (face-frame mm) from landmarks (478, >=2) already in the face frame."""
    mirror = lm.mirror_map()
    named: dict[str, Point] = {}
    for name, indices in _SIDED.items():
        for side, chosen in (("left", indices), ("right", tuple(int(mirror[i]) for i in indices))):
            x, y = points_mm[list(chosen), :2].mean(axis=0)
            named[f"{name}_{side}"] = Point(x_mm=float(x), y_mm=float(y))
    for name, indices in _MIDLINE.items():
        x, y = points_mm[list(indices), :2].mean(axis=0)
        named[name] = Point(x_mm=float(x), y_mm=float(y))
    for side, chain in (("left", MANDIBULAR_BORDER_LEFT), ("right", lm.mirrored(MANDIBULAR_BORDER_LEFT))):
        for i, index in enumerate(chain):
            x, y = points_mm[index, :2]
            named[f"border_{i}_{side}"] = Point(x_mm=float(x), y_mm=float(y))
    return named


def outline(points_mm: NDArray[np.float64]) -> list[Point]:
    return [Point(x_mm=float(x), y_mm=float(y)) for x, y in points_mm[list(lm.FACE_OVAL), :2]]


def point(named: dict[str, Point], name: str) -> NDArray[np.float64]:
    p = named[name]
    return np.array([p.x_mm, p.y_mm])


def border(named: dict[str, Point], side: str) -> NDArray[np.float64]:
    return np.array([[named[f"border_{i}_{side}"].x_mm, named[f"border_{i}_{side}"].y_mm]
                     for i in range(len(MANDIBULAR_BORDER_LEFT))])
