"""The clinic's outcome statistics (issue 18): the records read through the registers, the figures computed
by :mod:`threadlift.outcomes`, drawn and printed by :mod:`threadlift.reports`. One use case for the page,
the API and ``threadlift outcomes report``.

Also keeps what a comparison of a follow-up photo with the baseline measured (the lift per area and side,
OUT-02), which the durability figures read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from threadlift import __version__
from threadlift.clinic.errors import NotFound
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.face.compare import Comparison
from threadlift.outcomes import AreaLift, OutcomeReport, OutcomeSettings, RateFigure, outcome_report
from threadlift.reports import outcome_plots
from threadlift.reports.outcomes_pdf import outcomes_pdf
from threadlift.services.base import Services, record, require
from threadlift.services.documents import letterhead
from threadlift.services.ports import UnitOfWork

ENGINE_VERSION = f"threadlift {__version__}"
# The photo engine's areas by the names the procedure record uses for where threads went ([DESIGN]: the
# commissure area is the skin the marionette vectors lift, thread-lift-clinical.md §2.2).
TREATMENT_AREA = {"commissure": "marionette"}
Plot = Literal["durability", "effect", "gais"]


@dataclass(frozen=True)
class Outcomes:
    report: OutcomeReport
    made_at: datetime


def settings_of(svc: Services) -> OutcomeSettings:
    policy = svc.policy
    return OutcomeSettings(threshold_mm=policy.durability_threshold_mm, min_patients=policy.outcome_min_patients)


def outcomes(svc: Services, actor: User | None) -> Outcomes:
    """Every outcome figure of the clinic, each with the patients it rests on. Audited as a read (no patient
    is named: figures only). ``actor`` None: the operator's command line."""
    if actor is not None:
        require(actor, Permission.OUTCOMES_READ)
    with svc.uow(logs_reads=True) as uow:
        records = uow.registers.outcome_records()
        names = {u.id: u.display_name for u in uow.users.all()}
        record(uow, svc, actor, "read", "outcomes", None, procedures=len(records.procedures))
        uow.commit()
    report = outcome_report(records, settings_of(svc))
    report.rates[:] = [_named(r, names) for r in report.rates]
    return Outcomes(report, svc.clock())


def _named(rate: RateFigure, names: dict[str, str]) -> RateFigure:
    """A clinician's rate under the name staff know them by, not their account id."""
    if rate.by != "clinician":
        return rate
    from dataclasses import replace

    return replace(rate, value=names.get(rate.value, rate.value))


def plot(svc: Services, actor: User | None, which: Plot, fmt: outcome_plots.Format, area: str | None = None) -> bytes:
    """One plot as PNG or SVG: an area's durability curves, the patient-reported effect, or GAIS."""
    return draw(outcomes(svc, actor), which, fmt, area)


def draw(found: Outcomes, which: Plot, fmt: outcome_plots.Format, area: str | None = None) -> bytes:
    """A plot of figures already read (the page draws several from one read)."""
    report = found.report
    if which == "durability":
        if area not in report.areas:
            raise NotFound("no lift has been measured in that area yet", rule="outcomes")
        return outcome_plots.durability_plot(report, area, fmt)
    if which == "effect":
        return outcome_plots.effect_plot(report, fmt)
    return outcome_plots.gais_plot(report, fmt)


def report_pdf(svc: Services, actor: User | None) -> bytes:
    found = outcomes(svc, actor)
    return outcomes_pdf(letterhead(svc), found.report, made_at=found.made_at)


def keep_lifts(uow: UnitOfWork, svc: Services, comparison: Comparison, *, before_photo_id: str, after_photo_id: str,
               episode_id: str, patient_id: str, day: int, engine_version: str = ENGINE_VERSION) -> int:
    """Inside a use case's unit of work: keep each area's measured lift of a follow-up photo against the
    baseline (replacing an earlier measurement of the same photo by the same engine version). Returns how
    many were kept."""
    if not comparison.measured or not comparison.comparable:
        return 0
    return keep_measured(uow, svc, measured_lifts(comparison), before_photo_id=before_photo_id,
                         after_photo_id=after_photo_id, episode_id=episode_id, patient_id=patient_id, day=day,
                         engine_version=engine_version)


def measured_lifts(comparison: Comparison) -> list[tuple[str, str, float, float]]:
    """(engine's area name, side, lift in mm, its ± in mm) of every area and side the comparison measured."""
    return [(area.value, side.value, change.lift_mm, change.uncertainty_mm)
            for area, sides in comparison.areas.items() for side, change in sides.items() if change is not None]


def keep_measured(uow: UnitOfWork, svc: Services, lifts: list[tuple[str, str, float, float]], *, before_photo_id: str,
                  after_photo_id: str, episode_id: str, patient_id: str, day: int, engine_version: str) -> int:
    """Keep lifts as :func:`measured_lifts` lists them, each area under the procedure record's name."""
    kept = [AreaLift(after_photo_id, before_photo_id, episode_id, patient_id, TREATMENT_AREA.get(area, area), side,
                     day, lift_mm, uncertainty_mm, engine_version) for area, side, lift_mm, uncertainty_mm in lifts]
    if kept:
        uow.registers.record_lifts(kept, svc.clock())
    return len(kept)
