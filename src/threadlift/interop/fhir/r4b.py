"""R5 resources as FHIR R4B (4.3.0) ones, for systems of the R4 family.

One function per resource type that differs; the rest pass through. Photos become ``Media`` (R4B's
resource for images, which R5 folded into DocumentReference) and every reference to them follows.
Where R4B has no element for something (an adverse event's note, a care plan's addressed areas),
the text moves to the nearest element that has one, so nothing recorded is dropped silently.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from threadlift.interop.fhir.base import Resource, text_concept

# http://terminology.hl7.org/CodeSystem/consentscope (R4B Consent.scope)
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
# http://terminology.hl7.org/CodeSystem/adverse-event-severity (R4B AdverseEvent.severity)
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
# http://terminology.hl7.org/CodeSystem/media-type
MEDIA_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/media-type", "code": "image",
                          "display": "Image"}]}
R4B_NAME_TYPE = {"registered-name": "manufacturer-name"}
# The core extension "BodyStructure Reference" (R4B, context Element): a coded site's BodyStructure
BODY_SITE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/bodySite"
ENCOUNTER_STATUS = {"completed": "finished", "discharged": "finished", "on-hold": "onleave",
                    "discontinued": "finished"}


def to_r4b(resources: list[Resource]) -> list[Resource]:
    converted = []
    for resource in resources:
        r = copy.deepcopy(resource)
        convert = _CONVERTERS.get(r["resourceType"])
        converted.append(convert(r) if convert else r)
    # Photos are Media in R4B: every reference to one follows it.
    text = json.dumps(converted).replace('"DocumentReference/', '"Media/')
    result: list[Resource] = json.loads(text)
    return result


def _pop_concept(reference: dict[str, Any] | None) -> dict[str, Any] | None:
    """An R5 CodeableReference's concept (None when it holds a reference only)."""
    return None if reference is None else reference.get("concept")


def _encounter(r: Resource) -> Resource:
    r["class"] = r["class"][0]["coding"][0]
    r["status"] = ENCOUNTER_STATUS.get(r["status"], r["status"])
    if "actualPeriod" in r:
        r["period"] = r.pop("actualPeriod")
    for participant in r.get("participant", []):
        participant["individual"] = participant.pop("actor")
    if "admission" in r:
        r["hospitalization"] = r.pop("admission")
    return r


def _recorder(r: Resource) -> Resource:
    participants = r.pop("participant", [])
    if participants:
        r["recorder"] = participants[0]["actor"]
    return r


def _allergy(r: Resource) -> Resource:
    _recorder(r)
    for reaction in r.get("reaction", []):
        reaction["manifestation"] = [m["concept"] for m in reaction["manifestation"]]
    return r


def _medication_statement(r: Resource) -> Resource:
    r["status"] = "active" if r["status"] == "recorded" else r["status"]
    r["medicationCodeableConcept"] = r.pop("medication")["concept"]
    if "category" in r:
        r["category"] = r["category"][0]
    if "informationSource" in r:
        r["informationSource"] = r["informationSource"][0]
    if "reason" in r:
        r["reasonCode"] = [c for c in (_pop_concept(x) for x in r.pop("reason")) if c]
    if "encounter" in r:
        r["context"] = r.pop("encounter")
    return r


def _procedure(r: Resource) -> Resource:
    for choice in ("DateTime", "Period"):
        if f"occurrence{choice}" in r:
            r[f"performed{choice}"] = r.pop(f"occurrence{choice}")
    r.pop("reportedBoolean", None)
    r.pop("recorded", None)
    complications = r.pop("complication", [])
    codes = [c["concept"] for c in complications if "concept" in c]
    details = [c["reference"] for c in complications if "reference" in c]
    if codes:
        r["complication"] = codes
    if details:
        r["complicationDetail"] = details
    return r


def _observation(r: Resource) -> Resource:
    structure = r.pop("bodyStructure", None)
    if structure and "bodySite" in r:  # R4B has no bodyStructure: the site's text names the side, and the core
        # extension bodySite (any element, Reference(BodyStructure)) keeps the coded laterality within reach
        r["bodySite"] = {**r["bodySite"], "text": structure.get("display") or r["bodySite"].get("text"),
                         "extension": [{"url": BODY_SITE_EXTENSION, "valueReference": structure}]}
    r.pop("triggeredBy", None)
    return r


def _body_structure(r: Resource) -> Resource:
    included = r.pop("includedStructure", [{}])[0]
    if "structure" in included:
        r["location"] = included["structure"]
    if "laterality" in included:
        r["locationQualifier"] = [included["laterality"]]
    return r


def _media(r: Resource) -> Resource:
    category = r.get("type")
    media: Resource = {"resourceType": "Media", "id": r["id"], "identifier": r.get("identifier", []),
                       "status": "entered-in-error" if r.get("status") == "entered-in-error" else "completed",
                       "type": MEDIA_TYPE, "modality": r.get("modality", [None])[0],
                       "view": category, "subject": r["subject"], "createdDateTime": r["date"], "issued": r["date"],
                       "operator": r["author"][0], "bodySite": r["bodySite"][0]["concept"],
                       "content": r["content"][0]["attachment"], "note": [{"text": r.get("description", "")}]}
    encounters = [c for c in r.get("context", []) if c["reference"].startswith("Encounter/")]
    if encounters:
        media["encounter"] = encounters[0]
    return {k: v for k, v in media.items() if v is not None}


def _consent(r: Resource) -> Resource:
    treatment = r["category"][0]["coding"][0]["code"] == "treatment"
    provision = r.pop("provision", [{}])[0]
    provision = {"type": r.pop("decision", "permit"), **provision}
    if "period" in r:
        provision["period"] = r.pop("period")
    consent: Resource = {
        "resourceType": "Consent", "id": r["id"], "status": r["status"],
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "treatment" if treatment else "patient-privacy"}]},
        "category": r["category"], "patient": r["subject"], "dateTime": r["date"],
        "performer": r.get("grantor", []), "organization": r.get("controller", []),
        "policyRule": text_concept("the clinic's consent policy; the document signed is attached" if treatment
                                   else "the clinic's policy on clinical photography"),
        "provision": provision}
    if "identifier" in r:
        consent["identifier"] = r["identifier"]
    if r.get("sourceAttachment"):
        consent["sourceAttachment"] = r["sourceAttachment"][0]
    return consent


def _provenance(r: Resource) -> Resource:
    r.pop("patient", None)
    r.pop("encounter", None)
    return r


def _clinical_impression(r: Resource) -> Resource:
    if "performer" in r:
        r["assessor"] = r.pop("performer")
    for finding in r.get("finding", []):
        finding["itemCodeableConcept"] = finding.pop("item")["concept"]
    return r


def _service_request(r: Resource) -> Resource:
    r["code"] = r["code"]["concept"]
    return r


def _care_plan(r: Resource) -> Resource:
    if "custodian" in r:
        r["author"] = r.pop("custodian")
    addressed = [a["concept"]["text"] for a in r.pop("addresses", []) if "concept" in a]
    if addressed:
        r["note"] = [*r.get("note", []), {"text": "addresses: " + "; ".join(addressed)}]
    for activity in r.get("activity", []):
        if "plannedActivityReference" in activity:
            activity["reference"] = activity.pop("plannedActivityReference")
        if "performedActivity" in activity:
            activity["outcomeReference"] = [p["reference"] for p in activity.pop("performedActivity")]
    return r


def _device(r: Resource) -> Resource:
    names = r.pop("name", [])
    r.pop("displayName", None)
    if names:
        # R4B has no "registered-name": the product name as labelled by its maker is the closest.
        r["deviceName"] = [{"name": n["value"], "type": R4B_NAME_TYPE.get(n["type"], n["type"])} for n in names]
    if "type" in r:
        r["type"] = r["type"][0]
    properties = []
    for p in r.pop("property", []):
        converted: dict[str, Any] = {"type": p["type"]}
        if "valueQuantity" in p:
            converted["valueQuantity"] = [p["valueQuantity"]]
        elif "valueInteger" in p:
            converted["valueQuantity"] = [{"value": p["valueInteger"]}]
        elif "valueCodeableConcept" in p:
            converted["valueCode"] = [p["valueCodeableConcept"]]
        else:
            value = p.get("valueString", p.get("valueBoolean"))
            converted["valueCode"] = [text_concept(("yes" if value else "no") if isinstance(value, bool) else
                                                   str(value))]
        properties.append(converted)
    if properties:
        r["property"] = properties
    return r


def _device_usage(r: Resource) -> Resource:
    statement: Resource = {
        "resourceType": "DeviceUseStatement", "id": r["id"], "status": r["status"], "subject": r["patient"],
        "derivedFrom": r.get("derivedFrom", []), "timingDateTime": r["timingDateTime"],
        "recordedOn": r["dateAsserted"], "source": r["informationSource"], "device": r["device"]["reference"],
        "note": r.get("note", [])}
    site = r.get("bodySite", {}).get("reference")
    if site:
        statement["bodySite"] = text_concept(site.get("display") or site["reference"])
    return statement


def _medication_administration(r: Resource) -> Resource:
    r["medicationCodeableConcept"] = r.pop("medication")["concept"]
    r["effectiveDateTime"] = r.pop("occurenceDateTime")
    r.pop("recorded", None)
    if "encounter" in r:
        r["context"] = r.pop("encounter")
    for performer in r.get("performer", []):
        performer["actor"] = performer["actor"]["reference"]
    return r


def _appointment(r: Resource) -> Resource:
    kinds = r.pop("class", [])
    r.pop("subject", None)
    r.pop("basedOn", None)  # R4B allows only a ServiceRequest here; the CarePlan lists the appointment instead
    r["serviceType"] = [s["concept"] for s in r.get("serviceType", [])] + [k for k in kinds]
    if "reason" in r:
        r["reasonCode"] = [c for c in (_pop_concept(x) for x in r.pop("reason")) if c]
    notes = r.pop("note", [])
    if notes:
        r["comment"] = "; ".join(n["text"] for n in notes)
    return r


def _adverse_event(r: Resource) -> Resource:
    notes = "; ".join(n["text"] for n in r.get("note", []))
    severity = next((n for n in ("mild", "moderate", "severe") if notes.startswith(f"severity {n}")), None)
    event: Resource = {
        "resourceType": "AdverseEvent", "id": r["id"], "actuality": r["actuality"], "category": r["category"],
        "event": {**r["code"], "text": f"{r['code'].get('text', '')} ({notes})" if notes else r["code"].get("text")},
        "subject": r["subject"], "date": r["occurrenceDateTime"], "seriousness": r["seriousness"],
        "outcome": r["outcome"][0], "resultingCondition": r.get("resultingEffect", []),
        "suspectEntity": [{"instance": s["instanceReference"]} for s in r.get("suspectEntity", [])]}
    if severity:
        event["severity"] = {"coding": [{"system": AE_SEVERITY, "code": severity}]}
    for key in ("encounter", "recorder"):
        if key in r:
            event[key] = r[key]
    return event


_CONVERTERS: dict[str, Callable[[Resource], Resource]] = {
    "Encounter": _encounter, "Condition": _recorder, "AllergyIntolerance": _allergy,
    "MedicationStatement": _medication_statement, "Procedure": _procedure, "Observation": _observation,
    "BodyStructure": _body_structure, "DocumentReference": _media, "Consent": _consent, "Provenance": _provenance,
    "ClinicalImpression": _clinical_impression, "ServiceRequest": _service_request, "CarePlan": _care_plan,
    "Device": _device, "DeviceUsage": _device_usage, "MedicationAdministration": _medication_administration,
    "Appointment": _appointment, "AdverseEvent": _adverse_event,
}
