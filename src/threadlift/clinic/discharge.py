"""Observation after the procedure, discharge criteria (DIS-01) and the aftercare sheet (AFT-01/02)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from threadlift.clinic.policy import ClinicPolicy
from threadlift.clinic.words import plural, spoken


class ObservationEntry(BaseModel):
    """Observations as the nurse or clinician records them after the procedure."""

    model_config = ConfigDict(frozen=True)
    pulse_bpm: int | None = Field(default=None, ge=20, le=250)
    systolic_mmhg: int | None = Field(default=None, ge=50, le=260)
    diastolic_mmhg: int | None = Field(default=None, ge=20, le=160)
    pain_score: int | None = Field(default=None, ge=0, le=10)
    active_bleeding: bool = False
    expanding_swelling: bool = False
    last_symptoms: bool = False  # perioral numbness, tinnitus, metallic taste, agitation (§4.2 LAST)
    note: str | None = Field(default=None, max_length=1000)
    observed_at: datetime | None = Field(default=None, description="when it was observed, if recorded afterwards "
                                         "(not later than now, not before the procedure began); default: now")

    @property
    def is_empty(self) -> bool:
        """Nothing measured, found or noted: a form sent blank."""
        entered = self.model_dump(include=set(ObservationEntry.model_fields) - {"observed_at"})
        return not any(value not in (None, False, "") for value in entered.values())


class ObservationRecord(ObservationEntry):
    at: datetime
    by: str


class Criterion(StrEnum):
    """[DESIGN] discharge checklist derived in thread-lift-clinical.md §4.4 (no published thread criteria)."""

    VITAL_SIGNS_NORMAL = "vital_signs_normal"
    NO_BLEEDING_OR_HAEMATOMA = "no_active_bleeding_or_expanding_swelling"
    NO_LAST_SYMPTOMS = "no_local_anaesthetic_toxicity_symptoms"
    FACIAL_NERVE_SCREEN = "facial_nerve_screen_symmetric"  # raise brows, close eyes, smile, purse lips
    PAIN_CONTROLLED = "pain_controlled"
    AFTERCARE_GIVEN = "written_aftercare_given"
    EMERGENCY_CONTACT_GIVEN = "emergency_contact_given"


class AftercareSheet(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    text: str


# AFT-01 defaults from §4.5 (practice-based, not trial-based) and AFT-02 red flags from §5.5.
AFTERCARE_V1 = AftercareSheet(version="2026.1", text="""\
After your thread lift (practice-based advice; your clinic may adjust it)
- Sleep on your back with your head raised for 5 nights.
- For 2 weeks avoid wide mouth opening, big yawns, chewing gum and hard foods; eat soft food the first week.
- Do not massage or rub your face, or have facials, for 4 weeks.
- Avoid dental treatment for 2-4 weeks if you can.
- Light exercise after 72 hours; strenuous exercise, sauna, steam and swimming after 2 weeks.
- No energy treatments (radiofrequency, laser, IPL, HIFU, microneedling) in the area for 4-8 weeks.
- Keep the entry points clean and dry for 24 hours; wash gently after that. Use SPF 30+ for 2 weeks.
- Cold packs for up to 10 minutes at a time help swelling. Paracetamol for pain.
Expected: swelling, bruising, tightness, puckering and limited movement for up to 2-3 weeks.
Call the clinic the same day, or seek urgent care, if you have:
- fever; pain, redness, warmth or swelling that increases after day 3;
- pus or discharge from an entry point, or a thread end poking through the skin;
- new weakness of the face (closing the eyes, smiling, raising the brows);
- a pulsating or growing lump, or swelling in front of the ear at meal times;
- a lump or abscess appearing weeks after treatment.
""")
AFTERCARE_SHEETS = {AFTERCARE_V1.version: AFTERCARE_V1}


class DischargeDecision(BaseModel):
    """The discharge as the clinician records it: each criterion checked, the aftercare sheet given."""

    model_config = ConfigDict(frozen=True)
    criteria: dict[Criterion, bool]
    aftercare_version: str = Field(min_length=1, max_length=20)


class DischargeRecord(DischargeDecision):
    discharged_at: datetime
    by: str


def discharge_problems(procedure_ended_at: datetime | None, observations: list[ObservationRecord],
                       criteria: dict[Criterion, bool], now: datetime, policy: ClinicPolicy) -> list[str]:
    """Why the patient may not go home yet (empty: ready)."""
    problems = []
    if procedure_ended_at is None:
        return ["the procedure has no end time"]
    watched = now - procedure_ended_at
    if watched < timedelta(minutes=policy.minimum_observation_minutes):
        problems.append(f"observed for {plural(int(watched.total_seconds() // 60), 'minute')}; the clinic requires "
                        f"{policy.minimum_observation_minutes}")
    if not observations:
        problems.append("no observation recorded after the procedure")
    else:
        latest = max(observations, key=lambda o: o.at)
        if latest.active_bleeding or latest.expanding_swelling:
            problems.append("the latest observation shows bleeding or expanding swelling")
        if latest.last_symptoms:
            problems.append("the latest observation shows symptoms of local anaesthetic toxicity")
    missing = [spoken(c.value) for c in Criterion if not criteria.get(c, False)]
    if missing:
        problems.append("discharge criteria not met: " + ", ".join(missing))
    return problems
