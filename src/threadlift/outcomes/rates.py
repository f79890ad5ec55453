"""Complication rates per 100 procedures by thread design, material, lot, area and clinician, with exact
(Clopper-Pearson) 95% intervals, and Clavien-Dindo grade counts.

The clinic's own rates are meant to be read beside the pooled figures of thread-lift-clinical.md §5.1
(orders of magnitude, I² 76-92%) and the single-centre series of §5.3; grades follow the Clavien-Dindo
classification proposed for minor aesthetic surgery ([CLAVIEN][CDC-BLEPH], §5.6), derived from the
intervention when the event is recorded (AE-01).

Which procedures and events a group counts:

* design, material, lot: the procedures that placed such threads; an event counts when it is linked to
  a lot of the group; linked to no lot, when its area received the group's threads; with neither, when
  its procedure used them (it cannot be told which thread caused it);
* area: the procedures that placed threads there; an event counts when recorded in that area, or, with
  no area, in every area its procedure treated;
* clinician: the procedures they performed, and every event after them.

A procedure with several events counts once in a rate (patients with a complication, not events).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from threadlift.outcomes.basis import Basis, basis
from threadlift.outcomes.records import Complication, OutcomeSettings, ProcedureDone

GRADES = ("I", "II", "IIIa", "IIIb", "IV", "V")  # Clavien-Dindo [CLAVIEN][CDC-BLEPH] (§5.6)
GROUPINGS = ("design", "material", "lot", "area", "clinician")


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def clopper_pearson(events: int, trials: int, confidence: float = 0.95) -> Interval:
    """The exact (Clopper-Pearson) interval of a proportion, from SciPy's binomial test.

    >>> i = clopper_pearson(5, 10); round(i.low, 4), round(i.high, 4)
    (0.1871, 0.8129)
    """
    from scipy.stats import binomtest

    if not 0 <= events <= trials or trials < 1:
        raise ValueError(f"need 0 <= events <= trials and trials >= 1 (got {events} of {trials})")
    found = binomtest(events, trials).proportion_ci(confidence_level=confidence, method="exact")
    return Interval(float(found.low), float(found.high))


@dataclass(frozen=True)
class RateFigure:
    """Procedures with at least one complication, per 100 procedures in the group, and its 95% interval."""

    by: str  # one of GROUPINGS
    value: str
    procedures: int
    with_complication: int
    basis: Basis
    per_100: float | None = None  # None when withheld
    low_per_100: float | None = None
    high_per_100: float | None = None
    grades: dict[str, int] = field(default_factory=dict)  # Clavien-Dindo grade -> events (empty when withheld)


def _counts(procedure: ProcedureDone, event: Complication, by: str, value: str) -> bool:
    """Does ``event`` (of ``procedure``) count toward the group ``by`` = ``value``? (module docstring)"""
    threads = procedure.threads
    if by == "clinician":
        return True
    if by == "area":
        return event.area == value if event.area else any(t.area == value for t in threads)
    if event.lots:
        return any(getattr(t, by) == value for t in threads if t.lot in event.lots)
    if event.area:
        return any(getattr(t, by) == value for t in threads if t.area == event.area)
    return any(getattr(t, by) == value for t in threads)


def _values(procedure: ProcedureDone, by: str) -> set[str]:
    if by == "clinician":
        return {procedure.clinician}
    return {getattr(t, by) for t in procedure.threads}


def complication_rates(procedures: Sequence[ProcedureDone], complications: Sequence[Complication],
                       settings: OutcomeSettings, groupings: Sequence[str] = GROUPINGS) -> list[RateFigure]:
    """Per group of each grouping: procedures, those with a complication, the rate per 100 with its exact
    interval and the events by Clavien-Dindo grade; withheld under ``settings.min_patients`` patients."""
    events_of: dict[str, list[Complication]] = defaultdict(list)
    for event in complications:
        events_of[event.episode_id].append(event)
    figures = []
    for by in groupings:
        members: dict[str, list[ProcedureDone]] = defaultdict(list)
        for procedure in procedures:
            for value in _values(procedure, by):
                members[value].append(procedure)
        for value, group in sorted(members.items()):
            counted = {p.episode_id: [e for e in events_of.get(p.episode_id, []) if _counts(p, e, by, value)]
                       for p in group}
            hit = sum(1 for events in counted.values() if events)
            shown = basis((p.patient_id for p in group), settings.min_patients)
            if not shown.shown:
                figures.append(RateFigure(by, value, len(group), hit, shown))
                continue
            interval = clopper_pearson(hit, len(group))
            grades = Counter(e.grade for events in counted.values() for e in events)
            figures.append(RateFigure(by, value, len(group), hit, shown, 100.0 * hit / len(group),
                                      100.0 * interval.low, 100.0 * interval.high,
                                      {grade: grades.get(grade, 0) for grade in GRADES}))
    return figures


@dataclass(frozen=True)
class GradeCounts:
    """Adverse events by Clavien-Dindo grade across the clinic (§5.6), on the patients of the procedures."""

    basis: Basis
    procedures: int
    events: dict[str, int]  # empty when withheld


def grade_counts(procedures: Sequence[ProcedureDone], complications: Sequence[Complication],
                 settings: OutcomeSettings) -> GradeCounts:
    shown = basis((p.patient_id for p in procedures), settings.min_patients)
    if not shown.shown:
        return GradeCounts(shown, len(procedures), {})
    done = {p.episode_id for p in procedures}
    counted = Counter(e.grade for e in complications if e.episode_id in done)
    return GradeCounts(shown, len(procedures), {grade: counted.get(grade, 0) for grade in GRADES})
