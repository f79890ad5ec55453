"""Danger zones and the temporal anchoring safe zone, in the face frame, each with its source.

Every zone is a path (polyline) with a half-width: a band around a nerve or vessel course. Paths
come from named anatomy (:mod:`threadlift.plan.anatomy`); a zone built on an estimated point
(the tragus, the mandibular angle) is marked ``estimated``. Widths are ThreadLift's ([DESIGN])
allowance for variable anatomy, not anatomical facts.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from threadlift.plan.anatomy import ESTIMATED, border, point
from threadlift.plan.model import Point, Thread, ZoneFlag

NEAR_MM = 5.0  # a vector within this distance of a zone's edge is flagged as near


@dataclass(frozen=True)
class Zone:
    name: str
    side: str
    kind: str  # "danger" or "safe"
    path_mm: NDArray[np.float64]  # (K, 2) centre line; closed polygon when kind == "safe"
    half_width_mm: float
    source: str
    estimated: bool
    description: str


def zones(named: dict[str, Point]) -> list[Zone]:
    result: list[Zone] = []
    for side in ("left", "right"):
        lateral = 1.0 if side == "left" else -1.0  # x toward the patient's side
        tragus = point(named, f"tragus_{side}")
        canthus = point(named, f"lateral_canthus_{side}")
        brow_tail = point(named, f"brow_tail_{side}")
        estimated = f"tragus_{side}" in ESTIMATED
        # Pitanguy line: 0.5 cm below the tragus to 1.5 cm above the lateral end of the brow [PIT].
        result.append(Zone("frontal_branch", side, "danger", np.array([tragus + [0, 5], brow_tail + [0, -15]]),
                           8.0, "[PIT][ASJ20-FTB][PANK20]", estimated,
                           "frontal (temporal) branch of the facial nerve along the Pitanguy line"))
        # Zygomatic branch: about 1 cm below the zygomatic arch, from the tragus toward the lateral canthus [ALPF].
        result.append(Zone("zygomatic_branch", side, "danger", np.array([tragus + [0, 10], canthus + [0, 10]]),
                           6.0, "[ALPF]", estimated, "zygomatic branch of the facial nerve"))
        # Marginal mandibular branch: ~1.5 cm below to ~1 cm above the mandibular border [MMN-DG][MMN-CAD]
        # [MMN-BMC] ([DESIGN] band); centred 2.5 mm below the outline, 12.5 mm either side.
        edge = border(named, side)[:-1]
        result.append(Zone("marginal_mandibular_branch", side, "danger", edge + [0, 2.5], 12.5,
                           "[MMN-DG][MMN-CAD][MMN-BMC]", True,
                           "marginal mandibular branch along the mandibular border"))
        # Facial-artery notch: where the artery crosses the border, about 40% of the way from gonion to chin.
        notch = edge[0] + 0.4 * (edge[-1] - edge[0])
        result.append(Zone("facial_artery_notch", side, "danger", np.array([notch, notch]), 8.0,
                           "[MMN-CAD][NLF24]", True, "facial artery crossing the mandibular border (antegonial notch)"))
        # Parotid duct on the line from the tragus to the middle of the upper lip (the duct runs along its
        # first half) (issue 5; thread-lift-clinical.md §2.1 [CHUNG23][CHOI19]).
        lip = point(named, "upper_lip_mid")
        result.append(Zone("parotid_duct", side, "danger", np.array([tragus, tragus + 0.5 * (lip - tragus)]), 6.0,
                           "[CHUNG23][CHOI19]", estimated, "parotid (Stensen's) duct"))
        # Superficial temporal artery: up from just in front of the tragus [YI24].
        result.append(Zone("superficial_temporal_artery", side, "danger",
                           np.array([tragus + [-lateral * 3, 0], tragus + [-lateral * 3, -50]]), 6.0, "[YI24]",
                           estimated, "superficial temporal artery and its branches"))
        # Facial artery near the nasolabial fold [NLF24].
        fold = np.array([point(named, f"{n}_{side}") for n in ("alar_base", "nlf_upper", "nlf_mid", "nlf_lower")])
        result.append(Zone("facial_artery_nlf", side, "danger", fold, 4.0, "[NLF24]", False,
                           "facial (angular) artery along the nasolabial fold"))
        # Temporal anchoring safe zone: 1-3 cm in front of the vertical through the tragus, between the
        # temporal lines [YI24]. A photo shows neither line: the zone is taken from 1.5 cm above the brow
        # tail (the top of the Pitanguy line [PIT]) to 5 cm above it ([DESIGN] estimate).
        top, bottom = brow_tail[1] - 50, brow_tail[1] - 15
        near, far = tragus[0] - lateral * 10, tragus[0] - lateral * 30
        result.append(Zone("temporal_anchoring_safe_zone", side, "safe",
                           np.array([[near, bottom], [far, bottom], [far, top], [near, top]]), 0.0, "[YI24]", True,
                           "where anchoring to the deep temporal fascia was safe in 24 hemi-heads"))
    return result


DEEP_PLANES = frozenset({"smas", "sub_smas"})
CLEARANCE_MM = 1.0  # a suggested entry keeps at least this much from every danger zone ([DESIGN])


def clear_point(start: NDArray[np.float64], all_zones: list[Zone], side: str, *, max_shift_mm: float = 15.0,
                keep_in_safe_zone: bool = False) -> NDArray[np.float64]:
    """The nearest point to ``start`` clear of every danger zone of ``side`` (PRO-03); ``start`` if none is."""
    danger = [z for z in all_zones if z.side == side and z.kind == "danger"]
    safe = [z for z in all_zones if z.side == side and z.kind == "safe"]
    must_stay = keep_in_safe_zone and any(inside(start, z.path_mm) for z in safe)

    def clear(p: NDArray[np.float64]) -> bool:
        if must_stay and not any(inside(p, z.path_mm) for z in safe):
            return False
        return all(_polyline_distance(np.array([p, p]), z.path_mm) > z.half_width_mm + CLEARANCE_MM for z in danger)

    if clear(start):
        return start
    angles = np.linspace(0.0, 2 * np.pi, 36, endpoint=False)
    for radius in np.arange(1.0, max_shift_mm + 0.5, 1.0):
        for angle in angles:
            candidate = start + radius * np.array([np.cos(angle), np.sin(angle)])
            if clear(candidate):
                return np.asarray(candidate, dtype=np.float64)
    return start


def flag_thread(thread: Thread, all_zones: list[Zone], near_mm: float = NEAR_MM) -> list[ZoneFlag]:
    """Flags of one thread: its points in a zone (PRO-03), its path across or near a zone, its anchor."""
    vector = thread.vector
    path = np.array(vector.path())
    points = {"entry": vector.entry, "exit": vector.exit} | ({"anchor": vector.anchor} if vector.anchor else {})
    deep = vector.depth_plane in DEEP_PLANES
    flags = []

    def flag(zone: Zone, kind: str, level: str, distance: float, where: str | None = None) -> ZoneFlag:
        return ZoneFlag(thread_id=thread.id, side=thread.side, zone=zone.name, kind=kind, level=level, point=where,
                        distance_mm=round(max(distance, 0.0), 1), estimated=zone.estimated, source=zone.source)

    for zone in all_zones:
        if zone.side != thread.side.value:
            continue
        if zone.kind == "safe":
            if thread.anchored:
                anchor = np.array((vector.anchor or vector.entry).xy())
                if not inside(anchor, zone.path_mm):
                    flags.append(flag(zone, "outside_safe_zone", "warning", _polygon_distance(anchor, zone.path_mm)))
            continue
        within = [name for name, p in points.items()
                  if _polyline_distance(np.array([p.xy(), p.xy()]), zone.path_mm) <= zone.half_width_mm]
        if within:
            # PRO-03 warns of entry and anchor points in a zone; an exit there is a puncture to place with care.
            serious = deep or any(name in ("entry", "anchor") for name in within)
            flags.append(flag(zone, "inside", "warning" if serious else "caution", 0.0, within[0]))
            continue
        gap = _polyline_distance(path, zone.path_mm) - zone.half_width_mm
        if gap <= 0:
            flags.append(flag(zone, "crosses", "warning" if deep else "caution", 0.0))
        elif gap <= near_mm:
            flags.append(flag(zone, "near", "caution", gap))
    return flags


def _segment_distance(p: NDArray[np.float64], q: NDArray[np.float64], a: NDArray[np.float64],
                      b: NDArray[np.float64]) -> float:
    """Shortest distance between segments pq and ab (0 when they cross)."""
    if _segments_cross(p, q, a, b):
        return 0.0
    return min(_point_segment(p, a, b), _point_segment(q, a, b), _point_segment(a, p, q), _point_segment(b, p, q))


def _point_segment(x: NDArray[np.float64], a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    ab = b - a
    length = float(ab @ ab)
    t = 0.0 if length == 0 else float(np.clip((x - a) @ ab / length, 0.0, 1.0))
    return float(np.linalg.norm(x - (a + t * ab)))


def _segments_cross(p: NDArray[np.float64], q: NDArray[np.float64], a: NDArray[np.float64],
                    b: NDArray[np.float64]) -> bool:
    def orient(u: NDArray[np.float64], v: NDArray[np.float64], w: NDArray[np.float64]) -> float:
        return float((v[0] - u[0]) * (w[1] - u[1]) - (v[1] - u[1]) * (w[0] - u[0]))

    d1, d2, d3, d4 = orient(a, b, p), orient(a, b, q), orient(p, q, a), orient(p, q, b)
    return (d1 * d2 < 0) and (d3 * d4 < 0)


def _polyline_distance(first: NDArray[np.float64], second: NDArray[np.float64]) -> float:
    best = np.inf
    for p, q in itertools.pairwise(first):
        for a, b in itertools.pairwise(second):
            best = min(best, _segment_distance(p, q, a, b))
    return float(best)


def inside(x: NDArray[np.float64], polygon: NDArray[np.float64]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, np.roll(polygon, -1, axis=0), strict=True):
        if (y1 > x[1]) != (y2 > x[1]) and x[0] < (x2 - x1) * (x[1] - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _polygon_distance(x: NDArray[np.float64], polygon: NDArray[np.float64]) -> float:
    closed = np.vstack([polygon, polygon[:1]])
    return min(_point_segment(x, a, b) for a, b in itertools.pairwise(closed))
