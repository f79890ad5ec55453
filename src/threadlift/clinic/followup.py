"""Follow-up schedule, created at discharge, and due and overdue lists (FU-01)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from threadlift.clinic.policy import ClinicPolicy


class FollowUpStatus(StrEnum):
    SCHEDULED = "scheduled"
    DONE = "done"
    MISSED = "missed"
    CANCELLED = "cancelled"


class FollowUp(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    kind: str
    due_on: date
    status: FollowUpStatus = FollowUpStatus.SCHEDULED
    completed_at: datetime | None = None
    completed_by: str | None = None
    note: str | None = Field(default=None, max_length=2000)
    reason: str | None = None  # why it was added (e.g. a neurological review after shock-like pain)

    def overdue_on(self, day: date) -> bool:
        return self.status is FollowUpStatus.SCHEDULED and day > self.due_on

    def due_on_day(self, day: date) -> bool:
        return self.status is FollowUpStatus.SCHEDULED and self.due_on == day


def schedule(discharged_on: date, policy: ClinicPolicy) -> list[FollowUp]:
    return [FollowUp(name=slot.name, kind=slot.kind, due_on=discharged_on + timedelta(days=slot.days_after))
            for slot in policy.follow_ups]
