"""Checks run on every plan, suggested or edited: danger-zone flags and the local-anaesthetic plan."""

from __future__ import annotations

from threadlift.clinic.anaesthetic import MG_PER_ML_PER_PERCENT
from threadlift.clinic.catalogue import catalogue
from threadlift.clinic.policy import DOSE_LIMITS, Jurisdiction, Preparation
from threadlift.plan.model import AnaestheticPlan, Plan, ZoneFlag
from threadlift.plan.zones import NEAR_MM, flag_thread, zones

POINT_MERGE_MM = 2.0  # entry points closer than this are one injection site ([DESIGN])


def danger_flags(plan: Plan, near_mm: float = NEAR_MM) -> list[ZoneFlag]:
    all_zones = zones(plan.anatomy_mm)
    return [flag for thread in plan.threads for flag in flag_thread(thread, all_zones, near_mm)]


def injection_points(plan: Plan) -> list[tuple[float, float]]:
    """Distinct entry and exit points: each gets a wheal of local anaesthetic [SSIFU]."""
    points: list[tuple[float, float]] = []
    for thread in plan.threads:
        for candidate in (thread.vector.entry.xy(), thread.vector.exit.xy()):
            if all((candidate[0] - x) ** 2 + (candidate[1] - y) ** 2 > POINT_MERGE_MM ** 2 for x, y in points):
                points.append(candidate)
    return points


def anaesthetic_plan(plan: Plan, weight_kg: float | None, jurisdiction: Jurisdiction | str) -> AnaestheticPlan:
    """Points × volume in mg against the patient's maximum for the clinic's jurisdiction (PRO-04)."""
    recipe = catalogue().local_anaesthetic
    count = len(injection_points(plan))
    total_mg = count * recipe.volume_per_point_ml * recipe.concentration_percent * MG_PER_ML_PER_PERCENT
    preparation = Preparation.WITH_ADRENALINE if recipe.with_adrenaline else Preparation.PLAIN
    limit = DOSE_LIMITS[Jurisdiction(jurisdiction)][preparation]
    maximum = None if weight_kg is None else min(limit.mg_per_kg * weight_kg, limit.cap_mg)
    basis = (f"{count} points x {recipe.volume_per_point_ml:g} mL {recipe.concentration_percent:g}% {recipe.agent}"
             f"{' with adrenaline' if recipe.with_adrenaline else ''}; {jurisdiction}: {limit.mg_per_kg:g} mg/kg up to "
             f"{limit.cap_mg:g} mg {limit.source}")
    if maximum is None:
        basis += "; enter the patient's weight to see the maximum"
    return AnaestheticPlan(points=count, volume_per_point_ml=recipe.volume_per_point_ml,
                           concentration_percent=recipe.concentration_percent,
                           with_adrenaline=recipe.with_adrenaline, total_mg=round(total_mg, 1),
                           maximum_mg=None if maximum is None else round(maximum, 1), basis=basis,
                           sources=[*recipe.sources, *limit.source.strip("[]").split("][")])
