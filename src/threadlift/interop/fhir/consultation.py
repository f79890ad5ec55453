"""The episode and its consultation: EpisodeOfCare, the consultation Encounter, the intake response,
history as Condition / AllergyIntolerance / MedicationStatement / Procedure, examination findings
as Observations, and the suitability decision as a ClinicalImpression."""

from __future__ import annotations

from typing import Any

from threadlift.clinic.consultation import AllergyKind, Consultation, DiabetesControl, MedicineClass
from threadlift.clinic.corrections import Amendment
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.suitability import Level, effective_decision
from threadlift.interop.fhir import intake
from threadlift.interop.fhir.base import (
    AUTHOR_SIGNATURE,
    SIGNATURE_TYPES,
    Context,
    Resource,
    concept,
    in_error_provenance,
    instant,
    laterality,
    quantity,
    ref_to,
    rid,
    text_concept,
    words,
)
from threadlift.interop.fhir.consents import agent_type

# http://terminology.hl7.org/CodeSystem/v3-ActCode (Encounter.class, http://hl7.org/fhir/ValueSet/encounter-class)
AMBULATORY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
                          "display": "ambulatory"}]}
CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
ALLERGY_STATUS = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
EPISODE_STATUS = {State.CLOSED: "finished", State.CANCELLED: "cancelled"}
# History flags that are conditions (the rest of MedicalHistory's booleans are observations below).
CONDITION_FLAGS = ("autoimmune_or_connective_tissue_disease", "keloid_or_hypertrophic_scarring", "immunosuppressed",
                   "active_cancer", "bleeding_disorder", "active_skin_infection_in_area", "cold_sores_history",
                   "facial_palsy", "permanent_filler_in_area", "previous_threads", "previous_non_absorbable_threads")
OBSERVATION_FLAGS = ("pregnant", "breastfeeding", "smoker")


def category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code}]}]


def episode_resources(ctx: Context, episode: Episode) -> dict[str, dict[str, str]]:
    """EpisodeOfCare and the consultation; returns references the later stages link to."""
    ended = next((c.at for c in episode.history if c.to_state in EPISODE_STATUS), None)
    care: Resource = {"resourceType": "EpisodeOfCare", "id": str(episode.id),
                      "status": EPISODE_STATUS.get(episode.state, "active"),
                      "type": [concept("episode-type", "thread_lift", "Facial thread lift, consultation to the last "
                                                                     "follow-up")],
                      "patient": ctx.patient_ref, "managingOrganization": ctx.organization_ref(),
                      "period": {"start": instant(episode.opened_at), **({"end": instant(ended)} if ended else {})}}
    ctx.add(care)
    refs = {"episode": ref_to(care)}
    assessed = next((c for c in episode.history if c.to_state is State.ASSESSED), None)
    encounter: Resource = {
        "resourceType": "Encounter", "id": rid("Encounter", episode.id, "consultation"),
        "status": "completed" if assessed or episode.state is not State.CONSULTATION else "in-progress",
        "class": [AMBULATORY], "type": [concept("encounter-type", "consultation", "Thread-lift consultation")],
        "subject": ctx.patient_ref, "episodeOfCare": [refs["episode"]], "serviceProvider": ctx.organization_ref(),
        "actualPeriod": {"start": instant(episode.opened_at), **({"end": instant(assessed.at)} if assessed else {})}}
    if episode.state is State.CANCELLED and assessed is None:
        encounter["status"] = "cancelled"
    consultation = episode.consultation
    if consultation is not None:
        encounter["participant"] = [{"actor": ctx.practitioner_ref(consultation.clinician_id)}]
    in_error_provenance(ctx, episode, "consultation", encounter)
    ctx.add(encounter)
    refs["consultation"] = ref_to(encounter)
    if consultation is not None:
        _consultation(ctx, episode, consultation, refs)
    if episode.suitability is not None:
        _suitability(ctx, episode, refs)
    for number, amendment in enumerate(episode.amendments):
        ctx.add(amendment_provenance(ctx, episode, amendment, number, refs["episode"]))
    return refs


AMENDMENT = "https://threadlift.org/fhir/StructureDefinition/amendment"


def amendment_provenance(ctx: Context, episode: Episode, amendment: Amendment, number: int,
                         target: dict[str, str]) -> Resource:
    """A signed amendment as a Provenance of the episode's record: who, when, why, which entry, the text it replaced
    (kept) and the corrected text, in an extension (neither R5 nor R4B's Provenance has elements for them)."""
    parts: list[dict[str, object]] = [{"url": "field", "valueCode": amendment.field.value},
                                      {"url": "index", "valueInteger": amendment.index},
                                      {"url": "amended", "valueString": amendment.value},
                                      {"url": "reason", "valueString": amendment.reason}]
    if amendment.original.strip():
        parts.insert(2, {"url": "original", "valueString": amendment.original})
    return {"resourceType": "Provenance", "id": rid("Provenance", episode.id, "amendment", number),
            "extension": [{"url": AMENDMENT, "extension": parts}],
            "target": [target], "occurredDateTime": instant(amendment.at), "recorded": instant(amendment.at),
            "patient": ctx.patient_ref,
            "activity": concept("provenance-activity", "record_amended",
                                f"{amendment.what} amended, the original kept: {amendment.reason}"),
            "agent": [{"type": agent_type("author"), "who": ctx.practitioner_ref(amendment.by)}],
            "signature": [{"type": [{"system": SIGNATURE_TYPES, "code": AUTHOR_SIGNATURE[0],
                                     "display": AUTHOR_SIGNATURE[1]}], "when": instant(amendment.at),
                           "who": ctx.practitioner_ref(amendment.by)}]}


def _consultation(ctx: Context, episode: Episode, c: Consultation, refs: dict[str, dict[str, str]]) -> None:
    author = ctx.practitioner_ref(c.clinician_id)
    ctx.add(intake.questionnaire())
    ctx.add(intake.questionnaire_response(c, resource_id=rid("QuestionnaireResponse", episode.id),
                                          subject=ctx.patient_ref, author=author, encounter=refs["consultation"]))
    on = c.consulted_on.isoformat()
    common = {"subject": ctx.patient_ref, "encounter": refs["consultation"]}
    history = c.history
    conditions = [(f"reported:{i}", concept("history-finding", "reported_condition", text)) for i, text in
                  enumerate(history.conditions)]
    conditions += [(flag, concept("history-finding", flag)) for flag in CONDITION_FLAGS if getattr(history, flag)]
    if history.diabetes is not DiabetesControl.NONE:
        conditions.append(("diabetes", concept("history-finding", f"diabetes_{history.diabetes.value}")))
    for key, code in conditions:
        ctx.add({"resourceType": "Condition", "id": rid("Condition", episode.id, key),
                 "clinicalStatus": {"coding": [{"system": CLINICAL_STATUS, "code": "active"}]},
                 "category": [text_concept("medical history")], "code": code, "recordedDate": on,
                 "participant": [{"actor": author}], **common})
    for i, allergy in enumerate(history.allergies):
        resource: Resource = {
            "resourceType": "AllergyIntolerance", "id": rid("AllergyIntolerance", episode.id, i),
            "clinicalStatus": {"coding": [{"system": ALLERGY_STATUS, "code": "active"}]},
            "category": ["medication" if allergy.kind is AllergyKind.AMIDE_LOCAL_ANAESTHETIC else "environment"],
            "code": concept("allergy-kind", allergy.kind.value, allergy.substance + (
                f" ({allergy.material})" if allergy.material else "")),
            "patient": ctx.patient_ref, "encounter": refs["consultation"], "recordedDate": on,
            "participant": [{"actor": author}]}
        if allergy.anaphylaxis:
            resource["criticality"] = "high"
            resource["reaction"] = [{"manifestation": [{"concept": text_concept("anaphylaxis")}],
                                     "severity": "severe"}]
        ctx.add(resource)
    for i, medicine in enumerate(history.medicines):
        ctx.add({"resourceType": "MedicationStatement", "id": rid("MedicationStatement", episode.id, i),
                 "status": "recorded",
                 "category": [concept("medicine-class", medicine.medicine_class.value)],
                 "medication": {"concept": text_concept(medicine.name)}, "dateAsserted": on,
                 "informationSource": [ctx.patient_ref],
                 "note": [{"text": "prescribed" if medicine.prescribed else "not prescribed (bought or supplement)"}],
                 **_blood_thinning(medicine.medicine_class), **common})
    for i, treatment in enumerate(history.recent_treatments):
        procedure: Resource = {"resourceType": "Procedure", "id": rid("Procedure", episode.id, "recent", i),
                               "status": "completed", "code": concept("recent-treatment", treatment.kind.value),
                               "occurrenceDateTime": treatment.on.isoformat(), "reportedBoolean": True,
                               "subject": ctx.patient_ref, "recorded": on}
        if treatment.area:
            procedure["bodySite"] = [text_concept(treatment.area)]
        ctx.add(procedure)
    for flag in OBSERVATION_FLAGS:
        if getattr(history, flag):
            ctx.add({"resourceType": "Observation", "id": rid("Observation", episode.id, flag), "status": "final",
                     "category": category("social-history"), "code": concept("history-finding", flag),
                     "valueBoolean": True, "effectiveDateTime": on, "performer": [author], **common})
    for i, area in enumerate(c.areas_of_concern):
        finding: Resource = {
            "resourceType": "Observation", "id": rid("Observation", episode.id, "concern", i), "status": "final",
            "category": category("exam"), "code": concept("examination", "area_of_concern_grade",
                                                          "Clinician's grade of the area of concern (0-4)"),
            "bodySite": concept("treatment-area", area.area.value), "valueInteger": area.grade,
            "effectiveDateTime": on, "performer": [author], **common}
        side = laterality(area.side)
        if side:
            finding["component"] = [{"code": text_concept("laterality"), "valueCodeableConcept": side}]
        if area.note:
            finding["note"] = [{"text": area.note}]
        ctx.add(finding)
    if c.laxity_grade is not None:
        ctx.add({"resourceType": "Observation", "id": rid("Observation", episode.id, "laxity"), "status": "final",
                 "category": category("exam"),
                 "code": concept("examination", "laxity_grade", "Alexiades-Armenakas laxity grade (0-4) [AA]"),
                 "valueQuantity": quantity(c.laxity_grade, "{score}", 1), "effectiveDateTime": on,
                 "performer": [author], **common})


def _blood_thinning(kind: MedicineClass) -> dict[str, Any]:
    thinning = {MedicineClass.ANTICOAGULANT, MedicineClass.ANTIPLATELET, MedicineClass.NSAID,
                MedicineClass.SUPPLEMENT_BLOOD_THINNING}
    return {"reason": [{"concept": text_concept("thins the blood (SEL-06)")}]} if kind in thinning else {}


def _suitability(ctx: Context, episode: Episode, refs: dict[str, dict[str, str]]) -> None:
    result = episode.suitability
    assert result is not None
    decided = next((c for c in episode.history if c.to_state is State.ASSESSED), None)
    decision = effective_decision(result, episode.overrides)
    findings = [{"item": {"concept": {"coding": [{"system": "https://threadlift.org/fhir/CodeSystem/suitability-rule",
                                                  "code": f.rule}], "text": f.text}},
                 "basis": f"{f.level.value}{' (lapses with time)' if f.temporary else ''}; source {f.source}"
                          + (f"; until {f.until.isoformat()}" if f.until else "")} for f in result.findings]
    summary = f"Decision: {words(decision.value)}."
    if decision.value != result.decision.value:
        summary += f" (as decided on {result.decided_on.isoformat()}: {words(result.decision.value)}; changed by " \
                   "overrides below)"
    blocks = [f.rule for f in result.findings if f.level is Level.BLOCK]
    if blocks:
        summary += " Blocks: " + ", ".join(blocks) + "."
    impression: Resource = {
        "resourceType": "ClinicalImpression", "id": rid("ClinicalImpression", episode.id), "status": "completed",
        "description": "Suitability for a facial thread lift, from the rule set of thread-lift-clinical.md §8.1",
        "subject": ctx.patient_ref, "encounter": refs["consultation"],
        "effectiveDateTime": result.decided_on.isoformat(), "summary": summary, "finding": findings,
        "protocol": ["https://threadlift.org/docs/clinical-rules#suitability"]}
    if decided is not None:
        impression["date"] = instant(decided.at)
        impression["performer"] = ctx.practitioner_ref(decided.by)
    notes = []
    for override in episode.overrides:
        line = f"Override of {override.rule} by {ctx.record.staff_name(override.clinician_id)} on " \
               f"{ctx.local_date(override.at).isoformat()}: {override.reason}"
        if override.confirmed_by:
            line += f"; confirmed by {ctx.record.staff_name(override.confirmed_by)}"
        notes.append({"text": line, "time": instant(override.at)})
    if notes:
        impression["note"] = notes
    ctx.add(impression)
    refs["suitability"] = ref_to(impression)

