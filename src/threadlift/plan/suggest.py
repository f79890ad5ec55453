"""Suggest a plan from a face analysis, the areas of concern and patient factors.

For each area and side: design, material, count, gauge, length and vectors, each with its reasons
and sources (the catalogue's, :mod:`threadlift.clinic.catalogue`). Severe laxity gives a referral
for a surgical opinion instead of more threads (SEL-11). An asymmetric area gets one more thread
and a larger expected lift on its lower side ([DESIGN]). The clinician edits the result; edits are
checked again by :func:`threadlift.plan.validate.validate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from threadlift.clinic.catalogue import AreaEntry, catalogue
from threadlift.clinic.threads import Design, Material
from threadlift.plan.anatomy import anatomy, border, outline, point
from threadlift.plan.model import AreaPlan, PhotoRef, Plan, Point, Reason, Side, Thread, Vector
from threadlift.plan.validate import validate
from threadlift.plan.zones import clear_point, zones

ASYMMETRY_MM = 1.5  # [DESIGN] left/right difference that earns side-specific treatment
SEVERE_LAXITY = 3.5  # Alexiades-Armenakas grade from which threads give way to surgery (SEL-11 [AA])
REFERRAL = Reason(text="Severe laxity: consider a surgical opinion; threads suit mild to moderate laxity (SEL-11).",
                  sources=["BCAM", "FJ-RULI", "GLAN22", "HAN19", "LOR18"])

# Which measurement shows each area's ptosis per side, and whether a larger value is worse.
SIDE_MEASURE: dict[str, tuple[str, bool]] = {
    "brow": ("brow_height_lateral_mm", False), "midface": ("malar_below_ipl_mm", True),
    "nasolabial": ("cheek_below_alar_base_mm", True), "jawline": ("jowl_depth_mm", True),
    "marionette": ("commissure_below_ipl_mm", True),
}
SEVERITY_AREA = {"brow": "brow", "midface": "midface", "nasolabial": "midface", "jawline": "jawline",
                 "marionette": "jawline", "neck": "neck"}


@dataclass(frozen=True)
class PlanInput:
    """What a plan is suggested from: landmarks in the face frame (mm) and the analysis' findings."""

    points_mm: NDArray[np.float64]  # (478, 2)
    measurements: Mapping[str, tuple[float, float] | float | None] = field(default_factory=dict)
    severity: Mapping[str, int | None] = field(default_factory=dict)
    photo: PhotoRef | None = None
    photo_warnings: tuple[str, ...] = ()

    @classmethod
    def from_analysis(cls, analysis: object) -> PlanInput:
        from threadlift.face.analysis import FaceAnalysis

        assert isinstance(analysis, FaceAnalysis)
        if analysis.view.value != "frontal":
            raise ValueError(f"plans are drawn on a frontal photo; this one is a {analysis.view.value} view")
        measured: dict[str, tuple[float, float] | float | None] = {}
        for name, result in analysis.measurements.items():
            if result.left is not None and result.right is not None:
                measured[name] = (result.left, result.right)
            else:
                measured[name] = result.value
        return cls(analysis.frame.to_mm(analysis.landmarks_px), measured,
                   {area: estimate.grade for area, estimate in analysis.severity.items()},
                   PhotoRef(sha256=analysis.photo.sha256, view=analysis.view.value,
                            mm_per_px=analysis.calibration.mm_per_px),
                   _photo_warnings(analysis.quality.issues))


def _photo_warnings(issues: Sequence[Any]) -> tuple[str, ...]:
    if not issues:
        return ()
    return (*(f"photo: {issue.message}" for issue in issues),
            "photo: vectors and zones placed from a photo with these problems are less exact; a standard frontal "
            "photo gives a better map")


def suggest(source: PlanInput, concerns: Sequence[str], *, now: datetime, age_years: int | None = None,
            laxity_grade: float | None = None, avoid_materials: Sequence[str] = (), weight_kg: float | None = None,
            jurisdiction: str = "UK") -> Plan:
    cat = catalogue()
    unknown = [c for c in concerns if c not in cat.areas]
    if unknown:
        raise ValueError(f"unknown area(s) {', '.join(unknown)}; choose from {', '.join(cat.areas)}")
    named = anatomy(source.points_mm)
    threads: list[Thread] = []
    areas: list[AreaPlan] = []
    warnings: list[str] = list(source.photo_warnings)
    referral = None
    severe_overall = laxity_grade is not None and laxity_grade >= SEVERE_LAXITY
    if severe_overall:
        referral = REFERRAL.model_copy(update={"text": f"Laxity grade {laxity_grade:g} of 4: " + REFERRAL.text})
    for area in dict.fromkeys(concerns):
        entry = cat.area(area)
        grade = _grade(source, area, laxity_grade)
        if severe_overall or grade == 4:
            referral = referral or REFERRAL.model_copy(
                update={"text": f"{area.capitalize()} graded 4 of 4: " + REFERRAL.text})
            warnings.append(f"{area}: no threads suggested; severe laxity (SEL-11)")
            continue
        if area == "neck":
            warnings.append("neck: mastoid-spanning neck threads are planned on a profile photo [DECAR14]; none "
                            "suggested from this view")
            continue
        worse, difference = _asymmetry(source, area)
        material = material_for(entry, avoid_materials)
        design = entry.designs[0]
        for side in (Side.LEFT, Side.RIGHT):
            count, lift, reasons = _count_and_lift(entry, area, grade, side, worse, difference)
            areas.append(AreaPlan(area=area, side=side, count=count, expected_lift_mm=lift, reasons=reasons))
            for index, vector in enumerate(vectors_for(area, named, side, count, boost=side is worse)):
                threads.append(Thread(
                    id=f"{side.value[0].upper()}-{area}-{index + 1}", area=area, side=side, design=design.value,
                    material=material.value, gauge=entry.gauge, length_mm=length_for(vector),
                    anchored=design is Design.BARBED_UNIDIRECTIONAL, vector=vector,
                    reasons=[Reason(text=f"{design.value.replace('_', ' ')} {material.value} for lift: "
                                         f"{cat.designs[design].purpose}", sources=cat.designs[design].sources),
                             Reason(text=f"vector: {entry.vector}", sources=entry.vector_sources)]))
    plan = Plan(created_at=now, photo=source.photo, age_years=age_years, laxity_grade=laxity_grade,
                weight_kg=weight_kg, jurisdiction=jurisdiction,
                concerns=list(concerns), anatomy_mm=named, face_outline_mm=outline(source.points_mm),
                threads=threads, areas=areas, referral=referral, warnings=warnings)
    return validate(plan)


def _grade(source: PlanInput, area: str, laxity_grade: float | None) -> int:
    measured = source.severity.get(SEVERITY_AREA[area])
    if measured is not None:
        return measured
    if laxity_grade is not None:
        return int(min(4, max(1, round(laxity_grade))))
    return 2


def _asymmetry(source: PlanInput, area: str) -> tuple[Side | None, float]:
    if area not in SIDE_MEASURE:
        return None, 0.0
    name, larger_is_worse = SIDE_MEASURE[area]
    value = source.measurements.get(name)
    if not isinstance(value, tuple):
        return None, 0.0
    left, right = value
    difference = abs(left - right)
    if difference < ASYMMETRY_MM:
        return None, difference
    left_worse = left > right if larger_is_worse else left < right
    return (Side.LEFT if left_worse else Side.RIGHT), difference


def material_for(entry: AreaEntry, avoid: Sequence[str]) -> Material:
    avoided = {a.lower() for a in avoid}
    preferred = [entry.material, Material.PDO, Material.PLLA, Material.PCL, Material.PLCL]
    for material in preferred:
        if material.value.lower() not in avoided and material.absorbable:  # never non-absorbable (SEL-13)
            return material
    raise ValueError("every absorbable material is excluded; no thread can be suggested")


def _count_and_lift(entry: AreaEntry, area: str, grade: int, side: Side, worse: Side | None,
                    difference: float) -> tuple[int, float | None, list[Reason]]:
    low, high = entry.count_per_side
    count = min(high, max(low, low + grade - 1))
    reasons = [Reason(text=f"grade {grade}: {count} per side within the usual {low}-{high} ({entry.count_note})",
                      sources=entry.count_sources)]
    lift = entry.expected_lift_mm
    if worse is side:
        count = min(high, count + 1)
        measure = SIDE_MEASURE[area][0]
        reasons.append(Reason(text=f"the {side.value} side is {difference:.1f} mm lower ({measure}): one more "
                                   "thread and a larger lift on this side ([DESIGN])", sources=[]))
        if lift is not None:
            lift = round(lift + min(difference / 2, 2.0), 1)
    if lift is not None:
        reasons.append(Reason(text=f"expected lift about {lift:g} mm: {entry.expected_lift_note}",
                              sources=entry.expected_lift_sources))
    return count, lift, reasons


def _spread(first: NDArray[np.float64], last: NDArray[np.float64], count: int) -> list[NDArray[np.float64]]:
    if count == 1:
        return [(first + last) / 2]
    return [first + (last - first) * t for t in np.linspace(0.0, 1.0, count)]


def vectors_for(area: str, named: Mapping[str, Point], side: Side, count: int, *, boost: bool) -> list[Vector]:
    """Vectors for one area and side. Offsets are in mm: ``dx`` toward the patient's side (lateral), ``dy`` down."""
    lateral = 1.0 if side is Side.LEFT else -1.0
    names = dict(named)

    def at(name: str, dx: float = 0.0, dy: float = 0.0) -> NDArray[np.float64]:
        base = point(names, f"{name}_{side.value}")
        return np.asarray(base + np.array([lateral * dx, dy]), dtype=np.float64)

    def above_border(fraction: float, mm: float) -> NDArray[np.float64]:
        """A point ``mm`` inside the mandibular border, ``fraction`` of the way from gonion to chin."""
        edge = border(names, side.value)
        lengths = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(edge, axis=0), axis=1))]
        at_length = fraction * lengths[-1]
        i = int(np.clip(np.searchsorted(lengths, at_length) - 1, 0, len(edge) - 2))
        t = (at_length - lengths[i]) / max(lengths[i + 1] - lengths[i], 1e-9)
        tangent = (edge[i + 1] - edge[i]) / max(float(np.linalg.norm(edge[i + 1] - edge[i])), 1e-9)
        inward = np.array([tangent[1], -tangent[0]]) * lateral  # toward the face, away from the neck
        if inward[1] > 0:
            inward = -inward
        return np.asarray(edge[i] + t * (edge[i + 1] - edge[i]) + mm * inward, dtype=np.float64)

    temple = np.array([at("tragus", -20)[0], at("brow_tail")[1] - 28])  # temporal anchoring zone [YI24]
    if area == "midface":
        # Temporal entry anchored in the deep temporal fascia [CHOI20]; ends about 1 cm lateral to the oral
        # commissure and beyond [FRONT26], fanning up over the malar fat.
        entry = temple
        ends = _spread(at("commissure", 12, -6), at("malar_low", 4, 8), count)
    elif area == "nasolabial":
        entry = at("malar_lateral", 2, 4)  # a fixed lateral point [NLF24]
        ends = _spread(at("nlf_upper", 7, 2), at("nlf_lower", 7, 0), count)
    elif area == "jawline":
        # Pre-auricular entry at earlobe level, below the Pitanguy line's start [PIT]; exits along the jowl
        # kept 16 mm above the mandibular border, out of the marginal mandibular band [MMN-DG][DESIGN].
        entry = at("tragus", -10, 22)
        ends = _spread(above_border(0.25, 16.0), above_border(0.5, 16.0), count)
    elif area == "marionette":
        entry = at("tragus", -10, 30)  # with the jowl vectors [SUH15]
        ends = _spread(at("marionette", 4, -4), at("marionette", 4, 6), count)
    elif area == "brow":
        # Anchored at the temporal hairline, in the safe zone; lifting the brow tail up and out [LAM20].
        entry = np.array([at("tragus", -28)[0], at("brow_tail")[1] - 24])
        ends = _spread(at("brow_tail", -4, 2), at("brow_mid", 4, 3), count)
    else:
        raise ValueError(f"no vector geometry for {area}")
    # Entry points are moved clear of the danger zones (PRO-03), anchored ones within the safe zone.
    entry = clear_point(entry, zones(names), side.value, keep_in_safe_zone=True)
    vectors = []
    for end in ends:
        end = entry + (end - entry) * reach(boost)
        vectors.append(Vector(entry=Point(x_mm=round(float(entry[0]), 1), y_mm=round(float(entry[1]), 1)),
                              exit=Point(x_mm=round(float(end[0]), 1), y_mm=round(float(end[1]), 1))))
    return vectors


def reach(boost: bool) -> float:
    """A lower side is reached a little further into the sagging tissue: 10% longer vectors ([DESIGN])."""
    return 1.10 if boost else 1.0


def length_for(vector: Vector) -> float:
    """The shortest usual thread length that spans the vector with 10 mm to spare."""
    needed = vector.length_mm + 10.0
    for length in sorted(catalogue().lengths_mm.typical):
        if length >= needed:
            return length
    return max(catalogue().lengths_mm.typical)
