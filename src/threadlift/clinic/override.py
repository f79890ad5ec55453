"""Overrides: a clinician passes a rule's refusal with a reason; where the rule is a hard stop, a second,
different clinician confirms before it takes effect.

One rule for every override in the record: a suitability block (§8.1 [DESIGN]) and a local-anaesthetic
dose over the maximum (PRO-04 "hard stop at limit", thread-lift-clinical.md §8.2) both go through
:func:`propose` and :func:`confirm`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from threadlift.clinic.errors import OverrideRefused

# A reason a second reader can act on: ten characters rules out "ok" and "see notes".
REASON_MIN_CHARACTERS = 10
OverrideReason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=REASON_MIN_CHARACTERS,
                                                  max_length=2000)]


class Override(BaseModel):
    """A clinician's override of one rule, with the reason that goes on the record, and (for a hard
    stop) the second clinician who confirmed it."""

    model_config = ConfigDict(frozen=True)
    rule: str
    reason: OverrideReason
    clinician_id: str
    at: datetime
    confirmed_by: str | None = None  # second clinician, needed for a hard stop
    confirmed_at: datetime | None = None


def propose(rule: str, reason: str, clinician_id: str, at: datetime) -> Override:
    """The first clinician's override; validates the reason (at least ten characters)."""
    return Override(rule=rule, reason=reason, clinician_id=clinician_id, at=at)


def confirm(override: Override, clinician_id: str, at: datetime) -> Override:
    """A second clinician's confirmation; the clinician who proposed it cannot confirm it."""
    if override.confirmed_by is not None:
        raise OverrideRefused(f"the override of {override.rule} is already confirmed", rule="override")
    if override.clinician_id == clinician_id:
        raise OverrideRefused(f"you proposed this override of {override.rule}; a second clinician must confirm it",
                              rule="override")
    return override.model_copy(update={"confirmed_by": clinician_id, "confirmed_at": at})


def awaits_confirmation_from(override: Override, clinician_id: str) -> bool:
    """Whether ``clinician_id`` is someone who may confirm this override (not its proposer)."""
    return override.confirmed_by is None and override.clinician_id != clinician_id
