"""Follow-up schedule, created at discharge, and due and overdue lists (FU-01)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from threadlift.clinic.policy import ClinicPolicy


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

    @field_validator("status")
    @classmethod
    def _not_scheduled_again(cls, value: FollowUpStatus) -> FollowUpStatus:
        if value is FollowUpStatus.SCHEDULED:
            raise ValueError("a follow-up is recorded as done, missed or cancelled")
        return value


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

    def overdue_on(self, day: date) -> bool:
        return self.status is FollowUpStatus.SCHEDULED and day > self.due_on

    def due_on_day(self, day: date) -> bool:
        return self.status is FollowUpStatus.SCHEDULED and self.due_on == day


def schedule(discharged_on: date, policy: ClinicPolicy) -> list[FollowUp]:
    return [FollowUp(name=slot.name, kind=slot.kind, due_on=discharged_on + timedelta(days=slot.days_after))
            for slot in policy.follow_ups]
