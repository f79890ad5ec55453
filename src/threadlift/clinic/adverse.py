"""Adverse events: coded type, severity, seriousness, outcome, linked to area and thread lots (AE-01..05).

The Clavien-Dindo grade is derived from the intervention ([CLAVIEN][CDC-BLEPH], proposed for minor
aesthetic surgery) and the triage tier (E expected, M minor, S significant, U urgent) from the type
([DESIGN], thread-lift-clinical.md §5.4, §5.6).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, model_validator


class EventType(StrEnum):
    BRUISING = "bruising"
    SWELLING = "swelling"
    PAIN = "pain"
    DIMPLING = "dimpling"
    ASYMMETRY = "asymmetry"
    VISIBLE_THREAD = "palpable_or_visible_thread"
    EXTRUSION = "extrusion"
    MIGRATION = "migration"
    INFECTION = "infection"
    GRANULOMA = "granuloma"
    NERVE_INJURY = "nerve_injury"
    PAROTID_INJURY = "parotid_injury"
    ALOPECIA = "alopecia_at_entry"
    ALLERGY = "allergy"
    HAEMATOMA = "haematoma"
    OTHER = "other"


# Triage tiers of §5.4 [DESIGN]: E expected/self-limiting, M clinic review, S intervention, U urgent.
TIER = {
    EventType.BRUISING: "E", EventType.SWELLING: "E", EventType.PAIN: "E", EventType.DIMPLING: "E",
    EventType.ASYMMETRY: "M", EventType.VISIBLE_THREAD: "M", EventType.EXTRUSION: "M", EventType.MIGRATION: "M",
    EventType.INFECTION: "S", EventType.GRANULOMA: "S", EventType.NERVE_INJURY: "S", EventType.PAROTID_INJURY: "S",
    EventType.ALOPECIA: "M", EventType.ALLERGY: "S", EventType.HAEMATOMA: "S", EventType.OTHER: "M",
}


class Intervention(StrEnum):
    NONE = "none"
    DRUG = "drug"
    PROCEDURE_LOCAL = "procedure_under_local"
    PROCEDURE_GENERAL = "procedure_under_general"
    INTENSIVE_CARE = "intensive_care"
    DEATH = "death"


CLAVIEN_DINDO = {Intervention.NONE: "I", Intervention.DRUG: "II", Intervention.PROCEDURE_LOCAL: "IIIa",
                 Intervention.PROCEDURE_GENERAL: "IIIb", Intervention.INTENSIVE_CARE: "IV", Intervention.DEATH: "V"}


class Outcome(StrEnum):
    ONGOING = "ongoing"
    RECOVERING = "recovering"
    RESOLVED = "resolved"
    RESOLVED_WITH_SEQUELAE = "resolved_with_sequelae"
    FATAL = "fatal"
    UNKNOWN = "unknown"


class AdverseEventReport(BaseModel):
    """An adverse event as the clinician reports it (AE-01)."""

    model_config = ConfigDict(frozen=True)
    type: EventType
    description: str | None = Field(default=None, max_length=2000)
    area: str | None = Field(default=None, max_length=40)
    side: str | None = Field(default=None, pattern="^(left|right|both|midline)$")
    onset_on: date
    severity: int = Field(ge=1, le=3, description="1 mild, 2 moderate, 3 severe")
    serious: bool = False  # hospitalisation, lasting harm, life-threatening
    treatment: str | None = Field(default=None, max_length=2000)
    intervention: Intervention = Intervention.NONE
    outcome: Outcome = Outcome.ONGOING
    resolved_on: date | None = None
    lot_ids: list[UUID] = Field(default_factory=list)
    pus_present: bool = False
    pulsatile_lump: bool = False

    @model_validator(mode="after")
    def _dates_in_order(self) -> AdverseEventReport:
        if self.resolved_on is not None and self.resolved_on < self.onset_on:
            raise ValueError("the event cannot resolve before its onset")
        if self.outcome in (Outcome.RESOLVED, Outcome.RESOLVED_WITH_SEQUELAE) and self.resolved_on is None:
            raise ValueError("give the date the event resolved")
        return self


# Days of a first-line antibiotic course before an infection still ongoing counts as its failure (AE-03)
# [DESIGN: the knowledge base gives no duration; a week is the shortest usual oral course].
FIRST_LINE_ANTIBIOTIC_DAYS = 7


class EventProgress(BaseModel):
    """How an adverse event has gone since it was recorded: its outcome, and the day it resolved."""

    model_config = ConfigDict(frozen=True)
    outcome: Outcome
    resolved_on: date | None = None
    treatment: str | None = Field(default=None, max_length=1000)


class AdverseEvent(AdverseEventReport):
    id: UUID = Field(default_factory=uuid4)
    recorded_by: str = ""

    @property
    def clavien_dindo(self) -> str:
        return CLAVIEN_DINDO[self.intervention]

    @property
    def tier(self) -> str:
        if self.serious or self.pulsatile_lump or self.intervention in (Intervention.INTENSIVE_CARE,
                                                                        Intervention.DEATH):
            return "U"
        return TIER[self.type]

    def prompts(self, procedure_on: date | None, today: date, dimpling_review_days: int = 14) -> list[str]:
        """Tasks the record should raise (AE-02..AE-05)."""
        prompts = []
        lasting = (today - self.onset_on).days
        if self.type is EventType.DIMPLING and self.outcome is not Outcome.RESOLVED and lasting > dimpling_review_days:
            prompts.append("AE-02: dimpling for over 2 weeks: review for massage or subcision [WANG20][SG18]")
        if self.type is EventType.INFECTION:
            if self.pus_present:
                prompts.append("AE-03: pus present: take a culture before starting antibiotics [ZENG25][YAU]")
            started = (self.onset_on - procedure_on).days if procedure_on else 0
            # AE-03: "onset >= 3 weeks or failure of first-line antibiotics": a failure needs a course given
            # time to work, not an infection treated since today (issue 14: prompted for a day-0 infection).
            failed = (self.intervention is Intervention.DRUG and self.outcome is Outcome.ONGOING
                      and lasting >= FIRST_LINE_ANTIBIOTIC_DAYS)
            if started >= 21 or failed:
                prompts.append("AE-03: late or antibiotic-resistant infection: consider non-tuberculous mycobacteria; "
                               "request a mycobacterial culture [ZENG25][YAU][EJPS23]")
        if self.type is EventType.NERVE_INJURY:
            prompts.append("AE-04: new facial weakness: record a branch examination (House-Brackmann), photo or "
                           "video, and review at 2 and 6 weeks and 3 months [LAM24-NECK][LI21]")
        if self.pulsatile_lump:
            prompts.append("AE-05: pulsatile lump near the temple or in front of the ear: urgent vascular imaging "
                           "[STAP21]")
        return prompts
