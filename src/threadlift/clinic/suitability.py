"""Suitability: the consultation checked against the rule set of thread-lift-clinical.md §8.1.

Every finding names its rule id, level, plain-language text and source. The decision follows from
the findings: a lasting block makes the patient not suitable, blocks that pass with time defer, a
severe-laxity advisory refers for a surgical opinion, cautions make the patient suitable with
cautions. A clinician may override a caution with a recorded reason; a block needs a second
clinician to confirm the override.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from threadlift.clinic.consultation import (
    AllergyKind,
    Consultation,
    DiabetesControl,
    MedicineClass,
    TreatmentArea,
)
from threadlift.clinic.errors import OverrideRefused

# The one override rule (a reason; a second clinician for a hard stop) lives in clinic.override.
from threadlift.clinic.override import Override as Override
from threadlift.clinic.override import OverrideReason, confirm, propose
from threadlift.clinic.patient import Patient
from threadlift.clinic.policy import ClinicPolicy


class Level(StrEnum):
    BLOCK = "block"
    CAUTION = "caution"
    ADVICE = "advice"


class Decision(StrEnum):
    SUITABLE = "suitable"
    SUITABLE_WITH_CAUTIONS = "suitable_with_cautions"
    DEFER = "defer"
    NOT_SUITABLE = "not_suitable"
    REFER_SURGICAL = "refer_surgical_opinion"


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)
    rule: str
    level: Level
    text: str
    source: str
    # A block that lapses with time (pregnancy, an infection, a recent filler) defers instead.
    until: date | None = None
    temporary: bool = False
    # Must be acknowledged by a clinician (with a reason) before the procedure.
    needs_acknowledgement: bool = False


RuleId = Annotated[str, Field(pattern=r"^[A-Z]{2,3}-\d{2}$", description="the rule's id, e.g. SEL-06")]


class OverrideEntry(BaseModel):
    """A clinician's override of one finding, with the reason that goes on the record."""

    model_config = ConfigDict(frozen=True)
    rule: RuleId
    reason: OverrideReason


class SuitabilityResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    decision: Decision
    findings: list[Finding]
    decided_on: date

    def finding(self, rule: str) -> Finding | None:
        return next((f for f in self.findings if f.rule == rule), None)


Rule = Callable[[Patient, Consultation, ClinicPolicy, date], Iterable[Finding]]


def sel_01_minimum_age(patient: Patient, c: Consultation, policy: ClinicPolicy, today: date) -> Iterable[Finding]:
    age = patient.age_on(today)
    if age < policy.minimum_age_years:
        yield Finding(rule="SEL-01", level=Level.BLOCK, source="[UKREG-2025]",
                      text=f"The patient is {age}; thread lifts are not offered under {policy.minimum_age_years} in "
                           f"this clinic's jurisdiction ({policy.jurisdiction}).")


def sel_02_pregnancy(patient: Patient, c: Consultation, policy: ClinicPolicy, today: date) -> Iterable[Finding]:
    if c.history.pregnant or c.history.breastfeeding:
        state = "pregnant" if c.history.pregnant else "breastfeeding"
        yield Finding(rule="SEL-02", level=Level.BLOCK, temporary=True, source="[GOLDTHR][PERFECTF][DERMAH][LUEUR]",
                      text=f"The patient is {state}; an elective thread lift waits until after pregnancy and "
                           "breastfeeding.")


def sel_03_active_infection(patient: Patient, c: Consultation, policy: ClinicPolicy,
                            today: date) -> Iterable[Finding]:
    if c.history.active_skin_infection_in_area:
        yield Finding(rule="SEL-03", level=Level.BLOCK, temporary=True, source="[GOLDTHR][PERFECTF][LUEUR]",
                      text="Active infection or inflamed skin in the treatment area; treat it first and reassess.")


def sel_04_cold_sores(patient: Patient, c: Consultation, policy: ClinicPolicy, today: date) -> Iterable[Finding]:
    near_mouth = {a.area for a in c.areas_of_concern} & {TreatmentArea.MIDFACE, TreatmentArea.NASOLABIAL,
                                                         TreatmentArea.MARIONETTE, TreatmentArea.JAWLINE}
    if c.history.cold_sores_history and near_mouth:
        yield Finding(rule="SEL-04", level=Level.ADVICE, source="[PERFECTF]",
                      text="History of cold sores with a perioral or midface plan: decide on antiviral prophylaxis.")


def sel_05_bleeding_disorder(patient: Patient, c: Consultation, policy: ClinicPolicy,
                             today: date) -> Iterable[Finding]:
    if c.history.bleeding_disorder:
        yield Finding(rule="SEL-05", level=Level.BLOCK, source="[GOLDTHR][PERFECTF]",
                      text="Bleeding or coagulation disorder: not suitable without a specialist's clearance.")


def sel_06_blood_thinners(patient: Patient, c: Consultation, policy: ClinicPolicy, today: date) -> Iterable[Finding]:
    thinning = {MedicineClass.ANTICOAGULANT, MedicineClass.ANTIPLATELET, MedicineClass.NSAID,
                MedicineClass.SUPPLEMENT_BLOOD_THINNING}
    prescribed = [m.name for m in c.history.medicines
                  if m.prescribed and m.medicine_class in {MedicineClass.ANTICOAGULANT, MedicineClass.ANTIPLATELET}]
    optional = [m.name for m in c.history.medicines if m.medicine_class in thinning and m.name not in prescribed]
    if prescribed:
        yield Finding(rule="SEL-06", level=Level.CAUTION, needs_acknowledgement=True,
                      source="[UCSD][RESTOR][NORVAL][LAFLEUR]",
                      text=f"Prescribed {', '.join(prescribed)}: record the prescriber's advice. Never tell the "
                           "patient to stop a prescribed anticoagulant or antiplatelet.")
    if optional:
        yield Finding(rule="SEL-06", level=Level.ADVICE, source="[PERFECTF][LAFLEUR][RESTOR]",
                      text=f"{', '.join(optional)} {'thins' if len(optional) == 1 else 'thin'} the blood: if not "
                           "medically needed, stop "
                           f"{policy.blood_thinner_stop_days} days before the procedure.")


def sel_07_systemic(patient: Patient, c: Consultation, policy: ClinicPolicy, today: date) -> Iterable[Finding]:
    h = c.history
    reasons = [text for flag, text in (
        (h.immunosuppressed, "immunosuppression"),
        (h.autoimmune_or_connective_tissue_disease, "autoimmune or connective-tissue disease"),
        (h.diabetes is DiabetesControl.UNCONTROLLED, "uncontrolled diabetes"),
        (h.active_cancer, "active cancer")) if flag]
    if reasons:
        yield Finding(rule="SEL-07", level=Level.CAUTION, needs_acknowledgement=True,
                      source="[PERFECTF][GOLDTHR][ADAM22][DERMAH]",
                      text=f"{'; '.join(reasons).capitalize()}: a relative contraindication; the clinician records "
                           "a justification before proceeding.")


def sel_08_keloid(patient: Patient, c: Consultation, policy: ClinicPolicy, today: date) -> Iterable[Finding]:
    if c.history.keloid_or_hypertrophic_scarring:
        yield Finding(rule="SEL-08", level=Level.CAUTION, source="[PERFECTF][LUEUR]",
                      text="Keloid or hypertrophic scarring tendency: entry points may scar; discuss and document.")


def sel_09_allergies(patient: Patient, c: Consultation, policy: ClinicPolicy, today: date) -> Iterable[Finding]:
    for allergy in c.history.allergies:
        if allergy.kind is AllergyKind.AMIDE_LOCAL_ANAESTHETIC:
            yield Finding(rule="SEL-09", level=Level.CAUTION, needs_acknowledgement=True, source="[PERFECTF]",
                          text=f"Allergy to {allergy.substance}: amide local anaesthetics will be refused on the "
                               "procedure record; plan another anaesthetic.")
        elif allergy.kind is AllergyKind.THREAD_POLYMER:
            material = allergy.material or allergy.substance
            yield Finding(rule="SEL-09", level=Level.CAUTION, needs_acknowledgement=True, source="[PERFECTF]",
                          text=f"Allergy to {material}: threads of that material will be refused on the procedure "
                               "record.")


def sel_10_previous_implants(patient: Patient, c: Consultation, policy: ClinicPolicy,
                             today: date) -> Iterable[Finding]:
    if c.history.permanent_filler_in_area or c.history.previous_non_absorbable_threads:
        yield Finding(rule="SEL-10", level=Level.CAUTION, source="[DERMAH][CHUNG23]",
                      text="Permanent filler or non-absorbable threads in the area: record where, and plan around "
                           "them.")


def sel_11_severe_laxity(patient: Patient, c: Consultation, policy: ClinicPolicy, today: date) -> Iterable[Finding]:
    severe_area = any(a.grade >= 4 for a in c.areas_of_concern)
    severe_laxity = c.laxity_grade is not None and c.laxity_grade >= 3.5
    if severe_area or severe_laxity or c.heavy_lower_face:
        yield Finding(rule="SEL-11", level=Level.ADVICE, needs_acknowledgement=True,
                      source="[BCAM][FJ-RULI][GLAN22][HAN19][LOR18]",
                      text="Severe laxity or a heavy lower face: consider a surgical opinion; threads suit mild to "
                           "moderate laxity. Record the discussion.")


def sel_12_age_counselling(patient: Patient, c: Consultation, policy: ClinicPolicy,
                           today: date) -> Iterable[Finding]:
    if patient.age_on(today) > policy.counselling_age_years:
        yield Finding(rule="SEL-12", level=Level.ADVICE, source="[NIU21][FABI21]",
                      text="Over 50: higher rates of dimpling (16% vs 5.6%) and infection (5.9% vs 0.7%) were "
                           "reported, and satisfaction at two years is lower from about 60.")


def sel_14_body_dysmorphia(patient: Patient, c: Consultation, policy: ClinicPolicy,
                           today: date) -> Iterable[Finding]:
    if c.bdd_screen.positive:
        yield Finding(rule="SEL-14", level=Level.CAUTION, needs_acknowledgement=True,
                      source="[JOSEPH17][BDDQAS][GMC]",
                      text="Body-dysmorphia screen (BDDQ-AS) positive: a clinician reviews before booking and "
                           "considers deferral or referral.")


def sel_16_recent_treatments(patient: Patient, c: Consultation, policy: ClinicPolicy,
                             today: date) -> Iterable[Finding]:
    for treatment in c.history.recent_treatments:
        interval = policy.treatment_intervals_days.get(treatment.kind.value)
        if interval is None:
            continue
        until = treatment.on + timedelta(days=interval)
        if until > today:
            yield Finding(rule="SEL-16", level=Level.BLOCK, temporary=True, until=until,
                          source="[PERFECTF][NORVAL][RESTOR][SKINCENTER]",
                          text=f"{treatment.kind.value.replace('_', ' ').capitalize()} on {treatment.on.isoformat()}: "
                               f"wait {interval} days, until {until.isoformat()}.")


def sel_17_facial_palsy(patient: Patient, c: Consultation, policy: ClinicPolicy, today: date) -> Iterable[Finding]:
    if c.history.facial_palsy:
        yield Finding(rule="SEL-17", level=Level.ADVICE, source="[FPUK][BHATNAGAR22]",
                      text="Facial palsy: evidence for threads is limited and durability is disputed; discuss.")


RULES: tuple[Rule, ...] = (
    sel_01_minimum_age, sel_02_pregnancy, sel_03_active_infection, sel_04_cold_sores, sel_05_bleeding_disorder,
    sel_06_blood_thinners, sel_07_systemic, sel_08_keloid, sel_09_allergies, sel_10_previous_implants,
    sel_11_severe_laxity, sel_12_age_counselling, sel_14_body_dysmorphia, sel_16_recent_treatments,
    sel_17_facial_palsy,
)


def assess(patient: Patient, consultation: Consultation, policy: ClinicPolicy, today: date) -> SuitabilityResult:
    """Run every rule and derive the decision."""
    findings = [finding for rule in RULES for finding in rule(patient, consultation, policy, today)]
    return SuitabilityResult(decision=decide(findings), findings=findings, decided_on=today)


def decide(findings: Iterable[Finding], resolved: frozenset[str] = frozenset()) -> Decision:
    """The decision for ``findings``, ignoring rules in ``resolved`` (overridden)."""
    active = [f for f in findings if f.rule not in resolved]
    blocks = [f for f in active if f.level is Level.BLOCK]
    if any(not f.temporary for f in blocks):
        return Decision.NOT_SUITABLE
    if blocks:
        return Decision.DEFER
    if any(f.rule == "SEL-11" for f in active):
        return Decision.REFER_SURGICAL
    if any(f.level is Level.CAUTION for f in active):
        return Decision.SUITABLE_WITH_CAUTIONS
    return Decision.SUITABLE


def add_override(result: SuitabilityResult, overrides: list[Override], *, rule: str, reason: str,
                 clinician_id: str, at: datetime) -> list[Override]:
    """Record a clinician's override of ``rule``, or a second clinician's confirmation of a block's.

    Cautions and advisories take one clinician; a block takes a second, different clinician.
    """
    finding = result.finding(rule)
    if finding is None:
        raise OverrideRefused(f"rule {rule} did not fire for this consultation; nothing to override", rule="override")
    existing = next((o for o in overrides if o.rule == rule), None)
    if existing is None:
        return [*overrides, propose(rule, reason, clinician_id, at)]
    if finding.level is not Level.BLOCK or existing.confirmed_by is not None:
        raise OverrideRefused(f"rule {rule} is already overridden", rule="override")
    confirmed = confirm(existing, clinician_id, at)
    return [o if o.rule != rule else confirmed for o in overrides]


def resolved_rules(result: SuitabilityResult, overrides: Iterable[Override]) -> frozenset[str]:
    """Rules whose findings no longer count: cautions and advisories overridden, blocks confirmed."""
    resolved = set()
    for override in overrides:
        finding = result.finding(override.rule)
        if finding is None:
            continue
        if finding.level is not Level.BLOCK or override.confirmed_by is not None:
            resolved.add(override.rule)
    return frozenset(resolved)


def effective_decision(result: SuitabilityResult, overrides: Iterable[Override]) -> Decision:
    return decide(result.findings, resolved_rules(result, overrides))


def clearance_problems(result: SuitabilityResult, overrides: Iterable[Override]) -> list[str]:
    """Why a procedure may not start yet on this suitability (empty: cleared)."""
    overrides = list(overrides)
    resolved = resolved_rules(result, overrides)
    decision = decide(result.findings, resolved)
    problems = []
    if decision not in (Decision.SUITABLE, Decision.SUITABLE_WITH_CAUTIONS):
        problems.append(f"the suitability decision is {decision.value.replace('_', ' ')}")
    pending = sorted({f.rule for f in result.findings if f.needs_acknowledgement and f.rule not in resolved})
    if pending:
        problems.append(f"findings {', '.join(pending)} need a clinician's acknowledgement with a reason")
    return problems
