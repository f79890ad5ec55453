"""Durability as survival: Kaplan-Meier curves of "the lift still at least X mm" per area and thread
design or material, and of the patient-reported effect (OUT-03), with medians and their 95% intervals.

thread-lift-clinical.md §6.4 ([CONFLICT]: durations reported from 1-2 months to 2 years) and §8.4 OUT-03
ask for the clinic's own Kaplan-Meier figure rather than one "lasts N months" claim. The estimator is
lifelines' (``KaplanMeierFitter``, Greenwood variance on the log(-log) scale for the pointwise interval;
the median's interval is where that band crosses one half), not a hand-written one.

A lift is measured only at follow-ups, so a loss is known to lie between two visits; it is dated at the
first visit that measured it below the threshold (the usual right-censored simplification). A patient
whose follow-up ended with the lift still above the threshold is censored at the last visit.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from threadlift.outcomes.basis import Basis, basis
from threadlift.outcomes.records import EffectFollowUp, LiftReading, OutcomeSettings


@dataclass(frozen=True)
class Subject:
    """One patient's area in one episode (or one episode, for the patient-reported effect)."""

    patient_id: str
    duration_days: int
    lost: bool  # True: the event (lift below the threshold, effect worn off); False: censored


@dataclass(frozen=True)
class CurvePoint:
    day: float
    surviving: float  # the probability that the lift still holds at ``day``
    lower: float
    upper: float
    at_risk: int


@dataclass(frozen=True)
class Survival:
    """A Kaplan-Meier curve with its median and the median's 95% interval (days; None: not reached)."""

    points: tuple[CurvePoint, ...]
    median_days: float | None
    median_lower_days: float | None
    median_upper_days: float | None
    subjects: int
    events: int
    censored: int


@dataclass(frozen=True)
class DurabilityFigure:
    """One curve of the outcomes page: what it is about, the patients it rests on, and the curve (None
    when withheld)."""

    label: str  # e.g. "midface, design barbed_bidirectional"
    area: str
    by: str  # "all threads", "design" or "material"
    value: str
    basis: Basis
    survival: Survival | None
    threshold_mm: float
    never_reached: int = 0  # subjects already below the threshold at their first measured follow-up


def kaplan_meier(durations: Sequence[float], lost: Sequence[bool], alpha: float = 0.05) -> Survival:
    """Kaplan-Meier estimate of the time to the event, with pointwise (1 - alpha) intervals and the median.

    >>> s = kaplan_meier([1, 2, 3], [True, True, True])
    >>> [round(p.surviving, 3) for p in s.points], s.median_days
    ([1.0, 0.667, 0.333, 0.0], 2.0)
    """
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    if not durations:
        raise ValueError("a survival curve needs at least one subject")
    fitter = KaplanMeierFitter(alpha=alpha)
    fitter.fit([float(d) for d in durations], event_observed=[bool(e) for e in lost])
    curve = fitter.survival_function_.iloc[:, 0]
    band = fitter.confidence_interval_survival_function_
    at_risk = fitter.event_table["at_risk"]
    points = tuple(CurvePoint(float(day), float(curve.loc[day]), _finite(band.iloc[i, 0], 0.0),
                              _finite(band.iloc[i, 1], 1.0), int(at_risk.get(day, 0)))
                   for i, day in enumerate(curve.index))
    median_band = median_survival_times(fitter.confidence_interval_)
    events = sum(bool(e) for e in lost)
    return Survival(points, _days(fitter.median_survival_time_), _days(median_band.iloc[0, 0]),
                    _days(median_band.iloc[0, 1]), len(durations), events, len(durations) - events)


def _finite(value: float, default: float) -> float:
    return default if value is None or math.isnan(float(value)) else float(value)


def _days(value: float) -> float | None:
    value = float(value)
    return None if math.isinf(value) or math.isnan(value) else value


def lift_subjects(readings: Iterable[LiftReading], threshold_mm: float) -> tuple[list[Subject], int]:
    """Each episode's area, followed visit by visit: lost at the first visit below ``threshold_mm``,
    censored at the last visit otherwise. Also returns how many were below it at their first visit."""
    series: dict[tuple[str, str], list[LiftReading]] = defaultdict(list)
    for reading in readings:
        series[(reading.episode_id, reading.area)].append(reading)
    subjects, never = [], 0
    for visits in series.values():
        visits.sort(key=lambda r: r.day)
        below = next((r for r in visits if r.lift_mm < threshold_mm), None)
        if below is visits[0]:
            never += 1
        if below is not None:
            subjects.append(Subject(below.patient_id, below.day, True))
        else:
            subjects.append(Subject(visits[-1].patient_id, visits[-1].day, False))
    return subjects, never


def durability(readings: Sequence[LiftReading], settings: OutcomeSettings) -> list[DurabilityFigure]:
    """Kaplan-Meier of "lift still at least ``settings.threshold_mm``" for each area (all threads), and
    for each area by thread design and by material ([DESIGN] OUT-02/OUT-03, §6.4, §8.4).

    A reading belongs to every design and material placed in its area (threads of two designs in one area
    cannot be told apart in a photo). Each figure is withheld under ``settings.min_patients`` patients.
    """
    groups: dict[tuple[str, str, str], list[LiftReading]] = defaultdict(list)
    for reading in readings:
        groups[(reading.area, "all threads", "")].append(reading)
        for design in set(reading.designs):
            groups[(reading.area, "design", design)].append(reading)
        for material in set(reading.materials):
            groups[(reading.area, "material", material)].append(reading)
    figures = []
    for (area, by, value), group in sorted(groups.items()):
        subjects, never = lift_subjects(group, settings.threshold_mm)
        shown = basis((s.patient_id for s in subjects), settings.min_patients)
        survival = kaplan_meier([s.duration_days for s in subjects], [s.lost for s in subjects]) \
            if shown.shown else None
        label = area if by == "all threads" else f"{area}, {by} {value}"
        figures.append(DurabilityFigure(label, area, by, value, shown, survival, settings.threshold_mm, never))
    return figures


def effect_subjects(reports: Iterable[EffectFollowUp]) -> list[Subject]:
    """OUT-03: an episode's patient-reported effect, lost at the time the patient gives for it wearing off,
    censored at the last follow-up at which it was still noticed."""
    by_episode: dict[str, list[EffectFollowUp]] = defaultdict(list)
    for report in reports:
        by_episode[report.episode_id].append(report)
    subjects = []
    for visits in by_episode.values():
        visits.sort(key=lambda r: r.day)
        lost = next((r for r in visits if not r.noticeable and r.lost_after_days is not None), None)
        if lost is not None:
            subjects.append(Subject(lost.patient_id, max(int(lost.lost_after_days or 0), 1), True))
        else:
            subjects.append(Subject(visits[-1].patient_id, visits[-1].day, False))
    return subjects


def reported_effect(reports: Sequence[EffectFollowUp], settings: OutcomeSettings) -> DurabilityFigure:
    """OUT-03: the Kaplan-Meier "time to patient-reported loss of effect" across the clinic."""
    subjects = effect_subjects(reports)
    shown = basis((s.patient_id for s in subjects), settings.min_patients)
    survival = kaplan_meier([s.duration_days for s in subjects], [s.lost for s in subjects]) \
        if shown.shown and subjects else None
    return DurabilityFigure("patient-reported effect", "whole face", "patient report", "", shown, survival,
                            settings.threshold_mm)
