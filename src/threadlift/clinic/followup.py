"""Follow-up schedule, created at discharge (FU-01), due and overdue lists, and the outcome ratings
recorded at a follow-up (OUT-01, OUT-03)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from threadlift.clinic.errors import InvalidInput, RecordLocked
from threadlift.clinic.policy import ClinicPolicy
from threadlift.clinic.ratings import Assessment, AssessmentEntry, Rater, rating


class FollowUpStatus(StrEnum):
    SCHEDULED = "scheduled"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"


FollowUpNote = Annotated[str, Field(max_length=2000)]


class FollowUpOutcome(BaseModel):
    """How a scheduled follow-up went, as recorded."""

    model_config = ConfigDict(frozen=True)
    status: FollowUpStatus
    note: FollowUpNote | None = None
    assessment: AssessmentEntry | None = None  # GAIS and the patient's report of the effect (OUT-01, OUT-03)

    @field_validator("status")
    @classmethod
    def _not_scheduled_again(cls, value: FollowUpStatus) -> FollowUpStatus:
        if value is FollowUpStatus.SCHEDULED:
            raise ValueError("a follow-up is recorded as done, missed or cancelled")
        return value

    @model_validator(mode="after")
    def _ratings_only_when_seen(self) -> FollowUpOutcome:
        if self.assessment is not None and self.status is not FollowUpStatus.DONE:
            raise ValueError(f"a follow-up recorded as {self.status.value} has no outcome ratings")
        return self


class FollowUp(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    kind: str
    due_on: date
    status: FollowUpStatus = FollowUpStatus.SCHEDULED
    completed_at: datetime | None = None
    completed_by: str | None = None
    note: FollowUpNote | None = None
    reason: str | None = None  # why it was added (e.g. a neurological review after shock-like pain)
    assessment: Assessment | None = None  # outcome ratings recorded at it (OUT-01, OUT-03)

    def overdue_on(self, day: date) -> bool:
        return self.status is FollowUpStatus.SCHEDULED and day > self.due_on

    def due_on_day(self, day: date) -> bool:
        return self.status is FollowUpStatus.SCHEDULED and self.due_on == day


def schedule(discharged_on: date, policy: ClinicPolicy) -> list[FollowUp]:
    return [FollowUp(name=slot.name, kind=slot.kind, due_on=discharged_on + timedelta(days=slot.days_after))
            for slot in policy.follow_ups]


def assessed(follow_ups: list[FollowUp], index: int, entry: AssessmentEntry, at: datetime, by: str,
             procedure_started: datetime | None) -> Assessment:
    """Follow-up ``index``'s assessment with ``entry`` added (OUT-01, OUT-03), or the rule it breaks.

    A rating once recorded stays (a correction is an amendment). A clinician's GAIS needs the patient seen
    ([DESIGN]: GAIS compares the face with its baseline), so a call takes only the patient's.
    """
    follow_up = follow_ups[index]
    kept = follow_up.assessment or Assessment()
    ratings = list(kept.ratings)
    for rater, score in ((Rater.CLINICIAN, entry.clinician_gais), (Rater.PATIENT, entry.patient_gais)):
        if score is None:
            continue
        if kept.by(rater) is not None:
            raise RecordLocked(f"the {rater.value}'s GAIS at '{follow_up.name}' is already recorded; a correction is "
                               "an amendment to the record")
        if rater is Rater.CLINICIAN and follow_up.kind == "call":
            raise InvalidInput(f"'{follow_up.name}' is a call: the clinician's GAIS needs the patient seen at a visit "
                               "(the patient's own GAIS may be taken by phone)", rule="OUT-01")
        ratings.append(rating(rater, score, at=at, by=by))
    effect, effect_at, effect_by = kept.effect, kept.effect_recorded_at, kept.effect_recorded_by
    if entry.effect is not None:
        if kept.effect is not None:
            raise RecordLocked(f"the patient's report of the effect at '{follow_up.name}' is already recorded; a "
                               "correction is an amendment to the record")
        if entry.effect.lost_after_weeks is not None and procedure_started is not None:
            _check_loss(follow_ups, index, entry.effect.lost_after_weeks, procedure_started)
        effect, effect_at, effect_by = entry.effect, at, by
    return Assessment(ratings=tuple(ratings), effect=effect, effect_recorded_at=effect_at, effect_recorded_by=effect_by)


def _check_loss(follow_ups: list[FollowUp], index: int, lost_after_weeks: int, started: datetime) -> None:
    """OUT-03: a reported loss of effect falls before the visit that reports it, and not before a visit at
    which the patient still noticed the effect (a week's leeway either way: patients recall roughly)."""
    follow_up = follow_ups[index]
    seen = ((follow_up.completed_at or started) - started).days
    if lost_after_weeks * 7 > seen + 7:
        raise InvalidInput(f"the effect cannot have worn off {lost_after_weeks} weeks after the procedure: "
                           f"'{follow_up.name}' is {seen // 7} weeks after it", rule="OUT-03")
    for earlier in follow_ups[:index]:
        report = earlier.assessment.effect if earlier.assessment else None
        if report is None or not report.noticeable or earlier.completed_at is None:
            continue
        noticed = (earlier.completed_at - started).days
        if lost_after_weeks * 7 + 7 < noticed:
            raise InvalidInput(f"at '{earlier.name}' ({noticed // 7} weeks after the procedure) the patient still "
                               f"noticed the effect, so it cannot have worn off after {lost_after_weeks} weeks",
                               rule="OUT-03")
