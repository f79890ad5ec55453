"""Corrections: an entry recorded in error is marked so, with the reason, by whom and when; the entry
itself is kept (shown struck through, exported with its status), never deleted or rewritten.

As GNU Health and OpenEMR do for signed records: a correction is appended, also after the procedure
is signed and the episode closed, and the audit trail records it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# A reason a second reader can act on, as for an override (clinic.override): ten characters at least.
CorrectionReason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]


class EntryKind(StrEnum):
    INJECTION = "injection"
    THREAD = "thread"
    OBSERVATION = "observation"
    ADVERSE_EVENT = "adverse_event"
    CONSULTATION = "consultation"  # the whole consultation (index 0): suitability decided on it no longer counts
    CONSENT = "consent"  # the signed procedure consent (index 0): it no longer counts as consent


class ErrorEntry(BaseModel):
    """Which entry was recorded in error, and why (as the clinician sends it)."""

    model_config = ConfigDict(frozen=True)
    kind: EntryKind
    index: int = Field(ge=0, le=10_000, description="the entry's position in its list, oldest first, from 0")
    reason: CorrectionReason


class Correction(BaseModel):
    """Why a record that has no place in a list (a photo, a photo consent) was recorded in error."""

    model_config = ConfigDict(frozen=True)
    reason: CorrectionReason


class InError(Correction):
    """A record outside an episode's lists (a photo) marked as recorded in error: why, by whom and when."""

    by: str
    at: datetime


class EnteredInError(ErrorEntry):
    by: str
    at: datetime


# -- amendments ------------------------------------------------------------------------------------
# A clinical entry's free text corrected after it was recorded: the original stays, the amendment is
# appended beside it, signed by who made it, when, and why. Amendments correct what the record says; they
# never change a decision already taken on it (a suitability decision, a dose total, a discharge).


class AmendedField(StrEnum):
    """The clinical entries that are free values, each by where it is recorded."""

    EXPECTATIONS = "expectations"  # consultation: the patient's expectations
    CONDITIONS = "conditions"  # medical history: other conditions
    EXAMINATION_NOTE = "examination_note"  # examination: an area of concern's note (index: the area's)
    OVERRIDE_REASON = "override_reason"  # suitability: why a finding was overridden (index: the override's)
    PLAN_NOTE = "plan_note"
    PROCEDURE_NOTE = "procedure_note"  # procedure: an event's note (index: the event's)
    OBSERVATION_NOTE = "observation_note"
    ADVERSE_EVENT_DESCRIPTION = "adverse_event_description"  # its treatment and outcome are updated as it goes on
    FOLLOW_UP_NOTE = "follow_up_note"


# What each field is called where a clinician reads it.
FIELD_NAMES: dict[AmendedField, str] = {
    AmendedField.EXPECTATIONS: "the patient's expectations", AmendedField.CONDITIONS: "the other conditions",
    AmendedField.EXAMINATION_NOTE: "the examination note", AmendedField.OVERRIDE_REASON: "the override's reason",
    AmendedField.PLAN_NOTE: "the plan's note", AmendedField.PROCEDURE_NOTE: "the procedure note",
    AmendedField.OBSERVATION_NOTE: "the observation's note",
    AmendedField.ADVERSE_EVENT_DESCRIPTION: "the adverse event's description",
    AmendedField.FOLLOW_UP_NOTE: "the follow-up's note"}

AmendedText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class AmendmentEntry(BaseModel):
    """An amendment as the clinician sends it: which entry, its corrected text, and why."""

    model_config = ConfigDict(frozen=True)
    field: AmendedField
    index: int = Field(default=0, ge=0, le=10_000, description="the entry's position in its list, oldest first, "
                                                                "from 0 (0 for a field recorded once)")
    value: AmendedText = Field(description="the corrected text, in full")
    reason: CorrectionReason


class Amendment(AmendmentEntry):
    """A signed amendment: ``original`` is the text it replaces (the entry's own, or the previous amendment's)."""

    original: str
    by: str
    at: datetime

    @property
    def what(self) -> str:
        return FIELD_NAMES[self.field]
