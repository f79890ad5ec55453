"""Check-ins after the procedure: the structured questions a patient answers at home, and their triage.

Each rule names its source in ``thread-lift-clinical.md``: the red flags of §5.5 (derived from the
complication catalogue of §5.4, [DESIGN]), the expected courses of §5.4 and §4.5. A red flag is a
rule whose advice is to call the clinic today or to seek emergency care; it drafts an adverse event of
the rule's type for a clinician to confirm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from threadlift.clinic.adverse import EventType


class Amount(StrEnum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class Trend(StrEnum):
    BETTER = "better"
    SAME = "same"
    WORSE = "worse"


class CheckInAnswers(BaseModel):
    """What the patient answers at a check-in (issue 17 §4): every question, none left to guess."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    pain_score: int = Field(ge=0, le=10, description="0 no pain ... 10 worst imaginable")
    pain_trend: Trend
    swelling: Amount
    swelling_trend: Trend
    bruising: Amount
    redness_or_warmth_spreading: bool
    fever: bool
    discharge_from_entry_point: bool
    thread_at_skin: bool
    dimpling: bool
    asymmetry: bool
    facial_weakness: bool
    difficulty_opening_mouth: bool
    vision_change: bool
    comment: str = Field(default="", max_length=1000)


# The questions as the patient reads them, in the order asked (one definition for the page and the review).
QUESTIONS: dict[str, str] = {
    "pain_score": "Pain now, from 0 (none) to 10 (the worst you can imagine)",
    "pain_trend": "Since yesterday, is the pain better, the same or worse?",
    "swelling": "How much swelling is there?",
    "swelling_trend": "Since yesterday, is the swelling better, the same or worse?",
    "bruising": "How much bruising is there?",
    "redness_or_warmth_spreading": "Is redness or warmth spreading around the treated area?",
    "fever": "Have you had a fever (38 °C / 100.4 °F or more) or felt feverish?",
    "discharge_from_entry_point": "Is there pus or other discharge from a point where a thread went in?",
    "thread_at_skin": "Can you feel or see a thread end at or through the skin?",
    "dimpling": "Are there dimples or puckers in the skin?",
    "asymmetry": "Does one side look clearly different from the other?",
    "facial_weakness": "Is any part of your face weak: closing an eye, smiling, raising an eyebrow?",
    "difficulty_opening_mouth": "Is it hard to open your mouth?",
    "vision_change": "Has your eyesight changed (blurred, double, lost vision)?",
}


class Level(StrEnum):
    """What the patient should do, least to most urgent."""

    EXPECTED = "expected"  # part of the usual recovery: reassure, carry on with the aftercare
    REVIEW = "review"  # the clinic looks at it at the next contact; not urgent
    CALL_CLINIC = "call_clinic"  # red flag: call the clinic today
    EMERGENCY = "emergency"  # red flag: emergency care now

    @property
    def rank(self) -> int:
        return list(Level).index(self)

    @property
    def red_flag(self) -> bool:
        return self.rank >= Level.CALL_CLINIC.rank


# [DESIGN]: a pain score this high at home is not "settling" whatever the day (§5.5 "increasing pain").
SEVERE_PAIN_SCORE = 8
# §5.5: pain, redness, warmth or swelling that increases "after day 3" (72 hours) rather than settling.
SETTLING_HOURS = 72


@dataclass(frozen=True)
class Rule:
    key: str
    level: Level
    event_type: EventType | None  # the adverse event a red flag drafts
    source: str  # where in thread-lift-clinical.md, with the reference keys
    applies: Callable[[CheckInAnswers, int, int], bool]  # (answers, hours since the procedure, dimpling review days)


RULES: tuple[Rule, ...] = (
    # Not in thread-lift-clinical.md: a change in vision after a facial procedure is treated as an emergency
    # ([DESIGN], escalated on purpose; to be sourced by the clinical lead).
    Rule("vision_change", Level.EMERGENCY, EventType.OTHER, "[DESIGN] not in thread-lift-clinical.md; escalated",
         lambda a, h, d: a.vision_change),
    Rule("fever", Level.CALL_CLINIC, EventType.INFECTION, "thread-lift-clinical.md §5.5 [SMJ-ABSC][SUROW22]",
         lambda a, h, d: a.fever),
    Rule("discharge_from_entry_point", Level.CALL_CLINIC, EventType.INFECTION,
         "thread-lift-clinical.md §5.5 pus or discharge [SMJ-ABSC][SUROW22]",
         lambda a, h, d: a.discharge_from_entry_point),
    Rule("redness_or_warmth_spreading", Level.CALL_CLINIC, EventType.INFECTION,
         "thread-lift-clinical.md §5.5 increasing redness or warmth [SMJ-ABSC][SUROW22]",
         lambda a, h, d: a.redness_or_warmth_spreading),
    Rule("facial_weakness", Level.CALL_CLINIC, EventType.NERVE_INJURY,
         "thread-lift-clinical.md §5.5 new facial weakness; §5.4 [LI21][NIU20]", lambda a, h, d: a.facial_weakness),
    Rule("thread_at_skin", Level.CALL_CLINIC, EventType.EXTRUSION,
         "thread-lift-clinical.md §5.5 a thread end poking through the skin; §5.4 [IFAAS-C1][LI21]",
         lambda a, h, d: a.thread_at_skin),
    Rule("pain_increasing", Level.CALL_CLINIC, EventType.PAIN,
         "thread-lift-clinical.md §5.5 increasing (rather than settling) pain after day 3",
         lambda a, h, d: a.pain_trend is Trend.WORSE and h >= SETTLING_HOURS),
    Rule("pain_severe", Level.CALL_CLINIC, EventType.PAIN, "[DESIGN] from thread-lift-clinical.md §5.5",
         lambda a, h, d: a.pain_score >= SEVERE_PAIN_SCORE),
    Rule("swelling_increasing", Level.CALL_CLINIC, EventType.SWELLING,
         "thread-lift-clinical.md §5.5 increasing swelling after day 3",
         lambda a, h, d: a.swelling_trend is Trend.WORSE and h >= SETTLING_HOURS),
    Rule("asymmetry", Level.REVIEW, None, "thread-lift-clinical.md §5.4 asymmetry, tier M [LAFLEUR][YEO17]",
         lambda a, h, d: a.asymmetry),
    Rule("dimpling_persisting", Level.REVIEW, None, "thread-lift-clinical.md §5.4 dimpling > 2 weeks, AE-02 "
         "[WANG20][SG18]", lambda a, h, d: a.dimpling and h > 24 * d),
    Rule("difficulty_opening_mouth", Level.REVIEW, None,
         "thread-lift-clinical.md §4.5 limited motion up to 2-3 weeks [RESTOR]",
         lambda a, h, d: a.difficulty_opening_mouth),
    Rule("dimpling", Level.EXPECTED, None, "thread-lift-clinical.md §5.4 dimpling, tier E within 2 weeks [SG18]",
         lambda a, h, d: a.dimpling and h <= 24 * d),
    Rule("bruising_or_swelling", Level.EXPECTED, None, "thread-lift-clinical.md §5.4 bruising, swelling, tier E "
         "[SAPS][OUTLAST]", lambda a, h, d: a.bruising is not Amount.NONE or a.swelling is not Amount.NONE),
)


@dataclass(frozen=True)
class Triage:
    level: Level
    rules: tuple[str, ...]  # the keys of every rule that applied, most urgent first
    sources: tuple[str, ...]
    event_type: EventType | None  # the adverse event a red flag drafts (the most urgent rule's)
    red_flags: tuple[str, ...] = ()  # the keys of the rules that are red flags

    @property
    def red_flag(self) -> bool:
        return self.level.red_flag

    def as_dict(self) -> dict[str, object]:
        return {"level": self.level.value, "rules": list(self.rules), "sources": list(self.sources),
                "event_type": None if self.event_type is None else self.event_type.value}


def triage(answers: CheckInAnswers, hours_since_procedure: int, dimpling_review_days: int = 14) -> Triage:
    """The answers' triage: every rule that applies, the most urgent deciding the level."""
    applied = sorted((r for r in RULES if r.applies(answers, hours_since_procedure, dimpling_review_days)),
                     key=lambda r: -r.level.rank)
    if not applied:
        return Triage(Level.EXPECTED, (), (), None)
    top = applied[0]
    event = next((r.event_type for r in applied if r.event_type is not None), None) if top.level.red_flag else None
    return Triage(top.level, tuple(r.key for r in applied), tuple(r.source for r in applied), event,
                  tuple(r.key for r in applied if r.level.red_flag))


EMERGENCY_NUMBERS = {"UK": "999", "US": "911"}
