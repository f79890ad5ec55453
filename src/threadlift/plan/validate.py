"""Check a plan, suggested or edited by the clinician, and recompute what follows from its threads.

Refused (``PlanInvalid``, every problem listed with where it is): a document that does not match the
schema, an unknown area, design, material or gauge, a count per area and side outside the
catalogue's range, a vector point outside the face (its outline grown by ``FACE_MARGIN_MM``), a
thread shorter than its path, a coned thread shorter than its device's minimum entry-exit length
(PRO-02), duplicate thread ids. Kept with a warning: a design that is not usual for the area, a
non-absorbable thread (SEL-13). Danger flags, area counts and the anaesthetic plan are recomputed,
never trusted from the document.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from pydantic import ValidationError

from threadlift.clinic.catalogue import catalogue
from threadlift.clinic.procedure import CONED_MINIMUM_LENGTH_MM  # PRO-02 [SSIFU], one table for both
from threadlift.clinic.threads import Design, Material
from threadlift.plan.anatomy import missing
from threadlift.plan.checks import anaesthetic_plan, danger_flags
from threadlift.plan.model import AreaPlan, Plan, Side, Thread
from threadlift.plan.zones import inside

FACE_MARGIN_MM = 20.0  # entry points sit at the hairline and in front of the ear, just outside the mesh outline


class PlanInvalid(ValueError):
    """The plan cannot be accepted; ``problems`` says where and what to change."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("the plan is not valid:\n  - " + "\n  - ".join(problems))
        self.problems = problems


def parse(text: str | bytes) -> Plan:
    try:
        return Plan.model_validate_json(text)
    except ValidationError as error:
        raise PlanInvalid([_describe(e) for e in error.errors()]) from None


def _describe(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "document"
    return f"{where}: {error['msg']}"


def validate(plan: Plan) -> Plan:
    """The plan with its derived parts recomputed; raises :class:`PlanInvalid` listing every problem."""
    absent = missing(plan.anatomy_mm)
    if absent:  # the zones cannot be placed: nothing else can be checked
        raise PlanInvalid([f"anatomy_mm: the named points {', '.join(absent[:6])}{' ...' if len(absent) > 6 else ''} "
                           "are missing; make the plan again from the baseline photo"])
    cat = catalogue()
    problems: list[str] = []
    warnings = [w for w in plan.warnings if not w.startswith(("design:", "material:"))]
    for name, count in Counter(t.id for t in plan.threads).items():
        if count > 1:
            problems.append(f"threads: id {name} is used {count} times; give each thread its own id")
    outline = np.array([p.xy() for p in plan.face_outline_mm])
    centre = outline.mean(axis=0)
    grown = centre + (outline - centre) * (1 + FACE_MARGIN_MM / np.linalg.norm(outline - centre, axis=1))[:, None]
    for index, thread in enumerate(plan.threads):
        where = f"T{index + 1} ({thread.id})"  # as the map numbers it
        problems += _catalogue_problems(thread, where)
        if thread.area in cat.areas and thread.design in Design.__members__.values():
            usual = [d.value for d in cat.area(thread.area).designs]
            if thread.design not in usual:
                warnings.append(f"design: {thread.id} uses {thread.design}, not usual for the {thread.area} "
                                f"(usual: {', '.join(usual)})")
        if thread.material == Material.POLYPROPYLENE.value:
            warnings.append(f"material: {thread.id} is non-absorbable: paraesthesia 11.7% vs 3.1% and extrusion "
                            "7.6% vs 1.6% against absorbable threads (SEL-13 [NIU21])")
        for label, point in (("entry", thread.vector.entry), ("anchor", thread.vector.anchor),
                             ("exit", thread.vector.exit)):
            if point is not None and not inside(np.array(point.xy()), grown):
                problems.append(f"{where} {label} point: ({point.x_mm:g}, {point.y_mm:g}) mm is outside the face; "
                                "points must lie on the face or within "
                                f"{FACE_MARGIN_MM:g} mm of its outline")
        if thread.length_mm + 1e-6 < thread.vector.length_mm:
            problems.append(f"{where} length: a {thread.length_mm:g} mm thread cannot span its "
                            f"{thread.vector.length_mm:.0f} mm path; choose a longer thread or shorten the vector")
        if thread.design == Design.CONED.value:
            problems += _coned_problems(thread, where)
    areas = _area_counts(plan, problems)
    if problems:
        raise PlanInvalid(problems)
    checked = plan.model_copy(update={"areas": areas, "warnings": list(dict.fromkeys(warnings))})
    return checked.model_copy(update={
        "danger_flags": danger_flags(checked),
        "local_anaesthetic": anaesthetic_plan(checked, plan.weight_kg, plan.jurisdiction)})


def _catalogue_problems(thread: Thread, where: str) -> list[str]:
    cat = catalogue()
    problems = []
    if thread.area not in cat.areas:
        problems.append(f"{where} area: unknown area '{thread.area}'; choose from {', '.join(cat.areas)}")
    designs = [d.value for d in cat.designs]
    if thread.design not in designs:
        problems.append(f"{where} design: unknown design '{thread.design}'; choose from {', '.join(designs)}")
    materials = [m.value for m in cat.materials]
    if thread.material not in materials:
        problems.append(f"{where} material: unknown material '{thread.material}'; choose from {', '.join(materials)}")
    if thread.gauge not in cat.gauges.values:
        problems.append(f"{where} gauge: '{thread.gauge}' is not a catalogue gauge; choose from "
                        f"{', '.join(cat.gauges.values)}")
    low, high = cat.lengths_mm.range
    if not low <= thread.length_mm <= high:
        problems.append(f"{where} length: {thread.length_mm:g} mm is outside the catalogue's {low:g}-{high:g} mm")
    return problems


def _coned_problems(thread: Thread, where: str) -> list[str]:
    if thread.cones is None:
        return [f"{where} cones: a coned thread needs its number of cones (8, 12 or 16) to check its length (PRO-02)"]
    minimum = CONED_MINIMUM_LENGTH_MM.get(thread.cones)
    if minimum is None:
        return [f"{where} cones: {thread.cones} cones has no minimum length on record; use 8, 12 or 16 [SSIFU]"]
    if thread.vector.length_mm < minimum:
        return [f"{where} vector: {thread.cones} cones need at least {minimum:g} mm from entry to exit; this path "
                f"is {thread.vector.length_mm:.0f} mm (PRO-02 [SSIFU])"]
    return []


def _area_counts(plan: Plan, problems: list[str]) -> list[AreaPlan]:
    cat = catalogue()
    counted = Counter((t.area, t.side) for t in plan.threads)
    previous = {(a.area, a.side): a for a in plan.areas}
    areas = []
    for key in dict.fromkeys([*previous, *counted]):
        area, side = key
        count = counted.get(key, 0)
        if area in cat.areas and count:
            low, high = cat.area(area).count_per_side
            if not low <= count <= high:
                problems.append(f"threads: {count} {area} thread(s) on the {Side(side).value} side; the catalogue's "
                                f"range is {low}-{high} per side ({cat.area(area).count_note})")
        old = previous.get(key)
        areas.append(AreaPlan(area=area, side=side, count=count,
                              expected_lift_mm=old.expected_lift_mm if old else None,
                              reasons=old.reasons if old else []))
    return areas
