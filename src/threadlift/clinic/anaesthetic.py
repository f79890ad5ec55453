"""Local anaesthetic: milligrams given, against the patient's maximum (PRO-04).

Maximum doses per jurisdiction and preparation come from :mod:`threadlift.clinic.policy`
(thread-lift-clinical.md §4.2). When both plain and adrenaline-containing lidocaine are given, each
dose counts as a fraction of its own maximum and the fractions add up ([DESIGN], conservative). A
dose that would pass the maximum is a hard stop (PRO-04): it is refused, saying how much may still be
given, unless a clinician overrides it with a reason and a second clinician confirms (the one override
rule, :mod:`threadlift.clinic.override`); 80% of the maximum raises a warning.

The weight the maximum is worked from: a dosing weight the clinician entered; else, for an obese patient
(BMI 30 or more) whose height is known, the ideal body weight, because the limits use ideal, not
actual, body weight in obese patients [BNF-LIDO][DRORACLE-LIDO] (thread-lift-clinical.md §4.2); else the
actual weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from threadlift.clinic.errors import ContraindicatedProduct, DoseExceeded, InvalidInput
from threadlift.clinic.override import Override, OverrideReason
from threadlift.clinic.patient import Patient, Sex
from threadlift.clinic.policy import ClinicPolicy, Preparation

MG_PER_ML_PER_PERCENT = 10.0  # 1% = 10 mg/mL [DRORACLE-LIDO]
# Topical cream: lidocaine 2.5% and prilocaine 2.5%, 25 mg of each per gram; about 2 g for a minor
# skin procedure in an adult [EMLA-SMPC] (thread-lift-clinical.md §4.1).
TOPICAL_MG_PER_G = 25.0
TOPICAL_USUAL_G = 2.0
# Obese, for dosing: BMI of 30 or more (the WHO threshold); then ideal body weight [BNF-LIDO].
OBESE_BMI = 30.0
# Ideal body weight by the Devine formula, the one in common clinical use: 50 kg (men) or 45.5 kg
# (women) plus 2.3 kg per inch over five feet [DESIGN: the knowledge base says "ideal body weight" and
# names no formula]. For a sex recorded as other or unknown the lower (women's) base is used.
IBW_BASE_KG = {Sex.MALE: 50.0}
IBW_BASE_OTHER_KG = 45.5
IBW_KG_PER_CM_OVER = 2.3 / 2.54
IBW_FROM_CM = 152.4


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
    override_reason: OverrideReason | None = Field(
        default=None, description="why the maximum dose may be passed (PRO-04); a second clinician confirms it")
    given_at: datetime | None = Field(default=None, description="when it was given, if recorded afterwards "
                                      "(not later than now, not before the procedure began); default: now")


class Injection(InjectionEntry):
    # As stored: reasons recorded before the ten-character rule are kept as they were written.
    override_reason: str | None = None
    at: datetime
    given_by: str
    override_confirmed_by: str | None = None  # the second clinician, for a dose over the maximum

    @property
    def happened_at(self) -> datetime:
        """When it was given (``at`` is when it was entered)."""
        return self.given_at or self.at

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
    dosing_weight_basis: str = ""
    ideal_body_weight_kg: float | None = None
    basis: str
    topical_note: str | None = None
    # What may still be given before the maximum, of each preparation alone (PRO-04).
    remaining_plain_mg: float = 0.0
    remaining_with_adrenaline_mg: float = 0.0
    # A dose over the maximum held for a second clinician's confirmation (not in the totals above).
    held_for_confirmation: UUID | None = None


class PendingInjection(BaseModel):
    """An injection over the maximum that a clinician proposed with a reason: not given, and not in the
    total, until a second clinician confirms the override."""

    id: UUID = Field(default_factory=uuid4)
    injection: Injection
    override: Override


@dataclass(frozen=True)
class DosingWeight:
    kg: float
    basis: str  # which weight, and why
    ideal_kg: float | None  # the ideal body weight, where it could be worked out for an obese patient


def ideal_body_weight_kg(patient: Patient) -> float | None:
    """Devine ideal body weight from height and sex, in kg; None without a height."""
    if patient.height_cm is None:
        return None
    base = IBW_BASE_KG.get(patient.sex, IBW_BASE_OTHER_KG)
    return base + IBW_KG_PER_CM_OVER * (patient.height_cm - IBW_FROM_CM)


def weight_for_dosing(patient: Patient) -> DosingWeight:
    """The weight the maximum is worked from, and why (module docstring; [BNF-LIDO])."""
    bmi = patient.bmi
    obese = bmi is not None and bmi >= OBESE_BMI
    ideal = ideal_body_weight_kg(patient) if obese else None
    if patient.dosing_weight_kg is not None:
        return DosingWeight(patient.dosing_weight_kg, "dosing weight entered by a clinician", ideal)
    if patient.weight_kg is None:
        raise InvalidInput("record the patient's weight before giving local anaesthetic: the maximum dose depends "
                           "on it", rule="PRO-04")
    if ideal is not None and bmi is not None:
        kg = round(min(patient.weight_kg, ideal), 1)
        return DosingWeight(kg, f"ideal body weight (Devine formula, height {patient.height_cm:g} cm): BMI "
                                f"{bmi:.0f}, so the maximum uses ideal, not actual, body weight [BNF-LIDO]", ideal)
    return DosingWeight(patient.weight_kg, "actual body weight", None)


def dosing_weight(patient: Patient) -> float:
    return weight_for_dosing(patient).kg


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
    weight = weight_for_dosing(patient)
    bmi = patient.bmi
    note = None
    if bmi is not None and bmi >= OBESE_BMI and patient.dosing_weight_kg is not None and weight.ideal_kg is not None \
            and patient.dosing_weight_kg > weight.ideal_kg + 0.5:
        note = (f"the dosing weight entered ({patient.dosing_weight_kg:g} kg) is above the ideal body weight "
                f"({weight.ideal_kg:.1f} kg) of this patient of BMI {bmi:.0f} [BNF-LIDO]")
    if note:
        warning = f"{warning}; {note}" if warning else note
    remaining = max(0.0, 1.0 - fraction)
    plain_limit = policy.dose_limit(Preparation.PLAIN)
    adrenaline_limit = policy.dose_limit(Preparation.WITH_ADRENALINE)
    basis = (f"{policy.jurisdiction}: plain {plain_limit.mg_per_kg} mg/kg up to {plain_limit.cap_mg:g} mg "
             f"{plain_limit.source}; with adrenaline {adrenaline_limit.mg_per_kg} mg/kg up to "
             f"{adrenaline_limit.cap_mg:g} mg {adrenaline_limit.source}")
    return DoseStatus(total_mg=plain + adrenaline, plain_mg=plain, with_adrenaline_mg=adrenaline,
                      max_plain_mg=max_plain, max_with_adrenaline_mg=max_adrenaline, fraction_of_maximum=fraction,
                      warning=warning, dosing_weight_kg=weight.kg, dosing_weight_basis=weight.basis,
                      ideal_body_weight_kg=None if weight.ideal_kg is None else round(weight.ideal_kg, 1), basis=basis,
                      topical_note=topical_note(topical_g), remaining_plain_mg=remaining * max_plain,
                      remaining_with_adrenaline_mg=remaining * max_adrenaline)


def remaining_mg(dose: DoseStatus, preparation: Preparation) -> float:
    """How much more of ``preparation`` alone may be given before the maximum."""
    return dose.remaining_plain_mg if preparation is Preparation.PLAIN else dose.remaining_with_adrenaline_mg


def allowance_text(dose: DoseStatus, concentration_percent: float | None = None) -> str:
    """What may still be given, in mg and in mL at a concentration, of each preparation alone."""
    parts = []
    for label, mg in (("with adrenaline", dose.remaining_with_adrenaline_mg), ("plain", dose.remaining_plain_mg)):
        text = f"{mg:.0f} mg {label}"
        if concentration_percent:
            text += f" ({mg / (concentration_percent * MG_PER_ML_PER_PERCENT):.1f} mL of {concentration_percent:g}%)"
        parts.append(text)
    return " or ".join(parts)


def check_injection(patient: Patient, policy: ClinicPolicy, given: list[Injection], new: Injection,
                    *, amide_allergy: bool, topical_g: float | None = None) -> DoseStatus:
    """Status after ``new``; raises when it would pass the maximum without an override reason, saying how
    much may still be given. With a reason, the caller holds it for a second clinician (:func:`over_maximum`)."""
    if amide_allergy and new.agent.amide:
        raise ContraindicatedProduct(f"the patient is allergic to amide local anaesthetics; {new.agent.value} is "
                                     "refused (SEL-09)")
    after = status(patient, policy, [*given, new], topical_g)
    if over_maximum(after) and not (new.override_reason and new.override_reason.strip()):
        before = status(patient, policy, given, topical_g)
        left = remaining_mg(before, new.preparation)
        ml = left / (new.concentration_percent * MG_PER_ML_PER_PERCENT)
        kind = "with adrenaline" if new.with_adrenaline else "plain"
        raise DoseExceeded(
            f"this injection ({new.mg:.0f} mg) would bring the total to {after.fraction_of_maximum:.0%} of the "
            f"maximum for this patient; at most {left:.0f} mg more lidocaine {kind} may be given ({ml:.1f} mL of "
            f"{new.concentration_percent:g}%). Give less, or give a reason of at least 10 characters to go over "
            f"the maximum, for a second clinician to confirm ({after.basis})")
    return after


def over_maximum(dose: DoseStatus) -> bool:
    return dose.fraction_of_maximum > 1.0 + 1e-9
