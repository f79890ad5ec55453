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


class ErrorEntry(BaseModel):
    """Which entry was recorded in error, and why (as the clinician sends it)."""

    model_config = ConfigDict(frozen=True)
    kind: EntryKind
    index: int = Field(ge=0, le=10_000, description="the entry's position in its list, oldest first, from 0")
    reason: CorrectionReason


class EnteredInError(ErrorEntry):
    by: str
    at: datetime
