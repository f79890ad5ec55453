"""Local anaesthetic: milligrams given, against the patient's maximum (PRO-04).

Maximum doses per jurisdiction and preparation come from :mod:`threadlift.clinic.policy`
(thread-lift-clinical.md §4.2). When both plain and adrenaline-containing lidocaine are given, each
dose counts as a fraction of its own maximum and the fractions add up ([DESIGN], conservative). A
dose that would pass the maximum is refused unless a clinician overrides it with a reason; 80% of
the maximum raises a warning.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from threadlift.clinic.errors import ContraindicatedProduct, DoseExceeded, InvalidInput
from threadlift.clinic.patient import Patient
from threadlift.clinic.policy import ClinicPolicy, Preparation

MG_PER_ML_PER_PERCENT = 10.0  # 1% = 10 mg/mL [DRORACLE-LIDO]
# Topical cream: lidocaine 2.5% and prilocaine 2.5%, 25 mg of each per gram; about 2 g for a minor
# skin procedure in an adult [EMLA-SMPC] (thread-lift-clinical.md §4.1).
TOPICAL_MG_PER_G = 25.0
TOPICAL_USUAL_G = 2.0


class Agent(StrEnum):
    LIDOCAINE = "lidocaine"

    @property
    def amide(self) -> bool:
        return True


class InjectionEntry(BaseModel):
    """An injection as the clinician records it; the time and the giver are the record's."""

    model_config = ConfigDict(frozen=True)
    agent: Agent = Agent.LIDOCAINE
    concentration_percent: float = Field(gt=0, le=4)
    volume_ml: float = Field(gt=0, le=60)
    with_adrenaline: bool
    site: str | None = Field(default=None, max_length=80)
    override_reason: str | None = Field(default=None, max_length=1000,
                                        description="why the maximum dose may be passed (PRO-04)")


class Injection(InjectionEntry):
    at: datetime
    given_by: str

    @property
    def mg(self) -> float:
        return self.concentration_percent * MG_PER_ML_PER_PERCENT * self.volume_ml

    @property
    def preparation(self) -> Preparation:
        return Preparation.WITH_ADRENALINE if self.with_adrenaline else Preparation.PLAIN


class DoseStatus(BaseModel):
    model_config = ConfigDict(frozen=True)
    total_mg: float
    plain_mg: float
    with_adrenaline_mg: float
    max_plain_mg: float
    max_with_adrenaline_mg: float
    fraction_of_maximum: float
    warning: str | None = None
    dosing_weight_kg: float
    basis: str
    topical_note: str | None = None


def dosing_weight(patient: Patient) -> float:
    if patient.dosing_weight_kg is not None:
        return patient.dosing_weight_kg
    if patient.weight_kg is None:
        raise InvalidInput("record the patient's weight before giving local anaesthetic: the maximum dose depends "
                           "on it", rule="PRO-04")
    return patient.weight_kg


def maximum_mg(patient: Patient, policy: ClinicPolicy, preparation: Preparation) -> float:
    limit = policy.dose_limit(preparation)
    return min(limit.mg_per_kg * dosing_weight(patient), limit.cap_mg)


def topical_note(grams: float | None) -> str | None:
    """PRO-04: the topical exposure, noted beside the injected total but not added to it: the cream
    lies on intact skin and little of it reaches the blood, unlike an injection [EMLA-SMPC]."""
    if grams is None:
        return None
    mg = grams * TOPICAL_MG_PER_G
    note = (f"topical: {grams:g} g of lidocaine 2.5%/prilocaine 2.5% cream ({mg:.0f} mg lidocaine, {mg:.0f} mg "
            "prilocaine) on intact skin; noted, not counted in the injected total [EMLA-SMPC]")
    if grams > TOPICAL_USUAL_G:
        note += f"; more than the {TOPICAL_USUAL_G:g} g usual for a minor skin procedure"
    return note


def status(patient: Patient, policy: ClinicPolicy, injections: list[Injection],
           topical_g: float | None = None) -> DoseStatus:
    max_plain = maximum_mg(patient, policy, Preparation.PLAIN)
    max_adrenaline = maximum_mg(patient, policy, Preparation.WITH_ADRENALINE)
    plain = sum(i.mg for i in injections if not i.with_adrenaline)
    adrenaline = sum(i.mg for i in injections if i.with_adrenaline)
    fraction = plain / max_plain + adrenaline / max_adrenaline
    warning = None
    if fraction >= 1.0:
        warning = "at or above the maximum dose"
    elif fraction >= policy.dose_warning_fraction:
        warning = f"{fraction:.0%} of the maximum dose"
    bmi = patient.bmi
    if patient.dosing_weight_kg is None and bmi is not None and bmi >= 30:
        note = "BMI of 30 or more: enter an ideal body weight for dosing [BNF-LIDO]"
        warning = f"{warning}; {note}" if warning else note
    plain_limit = policy.dose_limit(Preparation.PLAIN)
    adrenaline_limit = policy.dose_limit(Preparation.WITH_ADRENALINE)
    basis = (f"{policy.jurisdiction}: plain {plain_limit.mg_per_kg} mg/kg up to {plain_limit.cap_mg:g} mg "
             f"{plain_limit.source}; with adrenaline {adrenaline_limit.mg_per_kg} mg/kg up to "
             f"{adrenaline_limit.cap_mg:g} mg {adrenaline_limit.source}")
    return DoseStatus(total_mg=plain + adrenaline, plain_mg=plain, with_adrenaline_mg=adrenaline,
                      max_plain_mg=max_plain, max_with_adrenaline_mg=max_adrenaline, fraction_of_maximum=fraction,
                      warning=warning, dosing_weight_kg=dosing_weight(patient), basis=basis,
                      topical_note=topical_note(topical_g))


def check_injection(patient: Patient, policy: ClinicPolicy, given: list[Injection], new: Injection,
                    *, amide_allergy: bool, topical_g: float | None = None) -> DoseStatus:
    """Status after ``new``; raises when it would pass the maximum without an override reason."""
    if amide_allergy and new.agent.amide:
        raise ContraindicatedProduct(f"the patient is allergic to amide local anaesthetics; {new.agent.value} is "
                                     "refused (SEL-09)")
    after = status(patient, policy, [*given, new], topical_g)
    if after.fraction_of_maximum > 1.0 + 1e-9 and not (new.override_reason and new.override_reason.strip()):
        raise DoseExceeded(
            f"this injection ({new.mg:.0f} mg) would bring the total to {after.fraction_of_maximum:.0%} of the "
            f"maximum for this patient ({after.basis}); give less, or record an override reason")
    return after
