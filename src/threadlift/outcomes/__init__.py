"""Outcome statistics over a clinic's records: how long lifts last, what goes wrong, how patients rate it.

Pure functions over plain records (:mod:`threadlift.outcomes.records`), no database and no files: the use
case :mod:`threadlift.services.outcome_stats` reads the records through the repositories. Sources:
thread-lift-clinical.md §5.6 (Clavien-Dindo), §6.1 (GAIS), §6.4 (durability [CONFLICT]), §8.4 (AE-01,
OUT-01..OUT-03).
"""

from threadlift.outcomes.basis import Basis, basis
from threadlift.outcomes.gais import GaisFigure, gais_distribution
from threadlift.outcomes.rates import (
    GRADES,
    GROUPINGS,
    GradeCounts,
    Interval,
    RateFigure,
    clopper_pearson,
    complication_rates,
    grade_counts,
)
from threadlift.outcomes.records import (
    AreaLift,
    Complication,
    EffectFollowUp,
    GaisScore,
    LiftReading,
    OutcomeRecords,
    OutcomeSettings,
    ProcedureDone,
    ThreadPlaced,
)
from threadlift.outcomes.report import OutcomeReport, outcome_report
from threadlift.outcomes.survival import (
    CurvePoint,
    DurabilityFigure,
    Survival,
    durability,
    kaplan_meier,
    reported_effect,
)

__all__ = [
    "GRADES",
    "GROUPINGS",
    "AreaLift",
    "Basis",
    "Complication",
    "CurvePoint",
    "DurabilityFigure",
    "EffectFollowUp",
    "GaisFigure",
    "GaisScore",
    "GradeCounts",
    "Interval",
    "LiftReading",
    "OutcomeRecords",
    "OutcomeReport",
    "OutcomeSettings",
    "ProcedureDone",
    "RateFigure",
    "Survival",
    "ThreadPlaced",
    "basis",
    "clopper_pearson",
    "complication_rates",
    "durability",
    "gais_distribution",
    "grade_counts",
    "kaplan_meier",
    "outcome_report",
    "reported_effect",
]
