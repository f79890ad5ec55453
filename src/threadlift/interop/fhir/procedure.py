"""The plan and the procedure day: CarePlan + ServiceRequest, the day's Encounter, the Procedure with a
focalDevice per thread, a Device per thread lot, DeviceUsage per thread, MedicationAdministration
per injection (and the topical cream), observations after the procedure, discharge, and the
Provenance of the performer's sign-off (ending the procedure locks its record)."""

from __future__ import annotations

from typing import Any

from threadlift.clinic.episode import Episode, State
from threadlift.clinic.procedure import ChecklistItem, ProcedureRecord, ThreadUse
from threadlift.clinic.threads import ThreadLot
from threadlift.interop.fhir.base import (
    AUTHOR_SIGNATURE,
    LOINC,
    SIGNATURE_TYPES,
    Context,
    Resource,
    concept,
    instant,
    mark_in_error,
    quantity,
    ref,
    ref_to,
    rid,
    text_concept,
    words,
)
from threadlift.interop.fhir.consents import agent_type
from threadlift.interop.fhir.consultation import AMBULATORY, category
from threadlift.interop.fhir.photos import body_structure

THREAD_LIFT = concept("procedure", "facial_thread_lift", "Facial thread lift")
REQUEST_STATUS = {State.CANCELLED: "revoked"}


def plan_resources(ctx: Context, episode: Episode, refs: dict[str, dict[str, str]]) -> None:
    plan = episode.plan
    assert plan is not None
    done = episode.procedure is not None and episode.procedure.ended_at is not None
    status = REQUEST_STATUS.get(episode.state, "completed" if done else "active")
    request: Resource = {
        "resourceType": "ServiceRequest", "id": rid("ServiceRequest", episode.id), "status": status,
        "intent": "plan", "code": {"concept": THREAD_LIFT}, "subject": ctx.patient_ref,
        "encounter": refs["consultation"], "authoredOn": instant(plan.planned_at),
        "requester": ctx.practitioner_ref(plan.planned_by),
        "bodySite": [concept("treatment-area", a.value) for a in plan.areas]}
    notes = [{"text": plan.note}] if plan.note else []
    notes += [{"text": line} for line in _marking_map_lines(plan.marking_map)]
    if notes:
        request["note"] = notes
    ctx.add(request)
    refs["request"] = ref_to(request)
    care_plan: Resource = {
        "resourceType": "CarePlan", "id": rid("CarePlan", episode.id, "treatment"),
        "status": REQUEST_STATUS.get(episode.state, "completed" if done else "active"), "intent": "plan",
        "category": [concept("care-plan-category", "treatment_plan", "thread-lift treatment plan")],
        "title": "Thread-lift treatment plan", "subject": ctx.patient_ref, "encounter": refs["consultation"],
        "created": instant(plan.planned_at), "custodian": ctx.practitioner_ref(plan.planned_by),
        "addresses": [{"concept": concept("treatment-area", a.value, f"laxity of the {words(a.value)}")}
                      for a in plan.areas],
        "activity": [{"plannedActivityReference": refs["request"]}]}
    if plan.note:
        care_plan["description"] = plan.note
    support = [refs[k] for k in ("suitability", "consent") if k in refs]
    if support:
        care_plan["supportingInfo"] = support
    ctx.add(care_plan)
    refs["care_plan"] = ref_to(care_plan)


def _marking_map_lines(marking_map: dict[str, Any] | None) -> list[str]:
    """The marking map's threads in words (the map itself lives in the plan document)."""
    if not marking_map:
        return []
    lines = []
    for thread in marking_map.get("threads", []):
        vector = thread.get("vector") or {}
        entry, exit_ = vector.get("entry") or {}, vector.get("exit") or {}
        lines.append(f"{thread.get('id')}: patient's {thread.get('side')} {thread.get('area')}, "
                     f"{words(str(thread.get('design')))} {thread.get('material')} {thread.get('gauge')} "
                     f"{thread.get('length_mm')} mm, {words(str(vector.get('depth_plane', '')))}; entry "
                     f"({entry.get('x_mm')}, {entry.get('y_mm')}) to exit ({exit_.get('x_mm')}, {exit_.get('y_mm')}) "
                     "mm in the face frame" + (", anchored" if thread.get("anchored") else ""))
    return lines


def lot_device(ctx: Context, lot: ThreadLot) -> dict[str, str]:
    properties: list[dict[str, Any]] = [
        {"type": text_concept("material"), "valueCodeableConcept": concept("thread-material", lot.material.value)},
        {"type": text_concept("absorbable"), "valueBoolean": lot.material.absorbable},
        {"type": text_concept("gauge"), "valueString": lot.gauge},
        {"type": text_concept("length"), "valueQuantity": quantity(lot.length_mm, "mm", 1)}]
    if lot.cones is not None:
        properties.append({"type": text_concept("cones"), "valueInteger": lot.cones})
    device: Resource = {"resourceType": "Device", "id": str(lot.id), "status": "active", "lotNumber": lot.lot,
                        "expirationDate": lot.expiry.isoformat(), "displayName": lot.product,
                        "name": [{"value": lot.product, "type": "registered-name"}],
                        "type": [concept("thread-design", lot.design.value, f"{words(lot.design.value)} thread")],
                        "property": properties}
    if lot.manufacturer:
        device["manufacturer"] = lot.manufacturer
    return ref_to(ctx.add(device))


def _lot(ctx: Context, use: ThreadUse) -> ThreadLot:
    known = ctx.record.lots.get(use.lot_id)
    if known is not None:
        return known
    # A lot missing from stock (never in practice: lots are not deleted): its details as copied at use.
    return ThreadLot(id=use.lot_id, product=use.product, material=use.material, design=use.design, gauge=use.gauge,
                     length_mm=use.length_mm, lot=use.lot, expiry=ctx.local_date(use.at), quantity_received=1,
                     received_on=ctx.local_date(use.at))


def procedure_resources(ctx: Context, episode: Episode, refs: dict[str, dict[str, str]]) -> None:
    record = episode.procedure
    assert record is not None
    discharge = episode.discharge
    encounter: Resource = {
        "resourceType": "Encounter", "id": rid("Encounter", episode.id, "procedure"),
        "status": "completed" if discharge else "in-progress", "class": [AMBULATORY],
        "type": [concept("encounter-type", "procedure_day", "Thread-lift procedure day")],
        "subject": ctx.patient_ref, "episodeOfCare": [refs["episode"]], "serviceProvider": ctx.organization_ref(),
        "participant": [{"actor": ctx.practitioner_ref(s)} for s in _staff(record)],
        "actualPeriod": {"start": instant(record.started_at),
                         **({"end": instant(discharge.discharged_at)} if discharge else {})}}
    if discharge:
        encounter["admission"] = {"dischargeDisposition": text_concept("home")}
    ctx.add(encounter)
    refs["procedure_day"] = ref_to(encounter)
    procedure: Resource = {
        "resourceType": "Procedure", "id": rid("Procedure", episode.id),
        "status": "completed" if record.ended_at else "in-progress", "code": THREAD_LIFT,
        "subject": ctx.patient_ref, "encounter": refs["procedure_day"],
        "occurrencePeriod": {"start": instant(record.started_at),
                             **({"end": instant(record.ended_at)} if record.ended_at else {})},
        "performer": [{"function": text_concept("performer"), "actor": ctx.practitioner_ref(record.performer_id)}]
        + [{"function": text_concept("assistant"), "actor": ctx.practitioner_ref(s)} for s in _staff(record)
           if s != record.performer_id]}
    if "request" in refs:
        procedure["basedOn"] = [refs["request"]]
    areas = sorted({t.area for t in record.threads})
    if areas:
        procedure["bodySite"] = [concept("treatment-area", a) for a in areas]
    procedure["focalDevice"] = [{"action": concept("device-action", "implanted"),
                                 "manipulated": lot_device(ctx, _lot(ctx, t))} for t in record.threads]
    notes = [{"text": f"{words(e.item.value)}" + (f" ({e.amount_g:g} g)" if e.amount_g else ""),
              "time": instant(e.at), "authorReference": ctx.practitioner_ref(e.by)} for e in record.checklist]
    notes += [{"text": f"thread {i + 1}: lot {t.lot}, {t.product}, patient's {t.side.value} {t.area}, vector "
                       f"{t.vector}" + (", anchored" if t.anchored else ""), "time": instant(t.happened_at)}
              for i, t in enumerate(record.threads)]
    notes += [{"text": f"{words(e.kind.value)}" + (f": {e.note}" if e.note else ""), "time": instant(e.at)}
              for e in record.events]
    notes += [{"text": w} for w in episode.dose_warnings + episode.thread_warnings]
    if notes:
        procedure["note"] = notes
    if record.events:
        procedure["complication"] = [{"concept": concept("procedure-event", e.kind.value)} for e in record.events]
    ctx.add(procedure)
    refs["procedure"] = ref_to(procedure)
    if "care_plan" in refs:
        plan = ctx.resources[("CarePlan", refs["care_plan"]["reference"].split("/")[1])]
        plan["activity"][0]["performedActivity"] = [{"reference": refs["procedure"]}]
    for i, use in enumerate(record.threads):
        usage: Resource = {
            "resourceType": "DeviceUsage", "id": rid("DeviceUsage", episode.id, i), "status": "active",
            "patient": ctx.patient_ref, "derivedFrom": [refs["procedure"]], "context": refs["procedure_day"],
            "timingDateTime": instant(use.happened_at), "dateAsserted": instant(use.at),
            "informationSource": ctx.practitioner_ref(use.by),
            "device": {"reference": ref("Device", use.lot_id)},
            "bodySite": {"reference": body_structure(ctx, use.area, use.side.value)},
            "note": [{"text": f"vector {use.vector}" + (", anchored" if use.anchored else "")}]}
        mark_in_error(usage, episode, "thread", i)
        ctx.add(usage)
    _anaesthetic(ctx, episode, record, refs)
    if record.ended_at is not None:
        ctx.add({"resourceType": "Provenance", "id": rid("Provenance", episode.id, "procedure-signed"),
                 "target": [refs["procedure"]], "occurredDateTime": instant(record.ended_at),
                 "recorded": instant(record.ended_at), "patient": ctx.patient_ref, "encounter": refs["procedure_day"],
                 "activity": concept("provenance-activity", "procedure_record_signed",
                                     "procedure ended and its record locked by the performer"),
                 "agent": [{"type": agent_type("author"), "who": ctx.practitioner_ref(record.performer_id)}],
                 "signature": [{"type": [{"system": SIGNATURE_TYPES, "code": AUTHOR_SIGNATURE[0],
                                          "display": AUTHOR_SIGNATURE[1]}], "when": instant(record.ended_at),
                                "who": ctx.practitioner_ref(record.performer_id)}]})
    _after(ctx, episode, refs)


def _staff(record: ProcedureRecord) -> list[str]:
    people = [record.performer_id, *(e.by for e in record.checklist), *(i.given_by for i in record.injections),
              *(t.by for t in record.threads)]
    return list(dict.fromkeys(people))


def _anaesthetic(ctx: Context, episode: Episode, record: ProcedureRecord, refs: dict[str, dict[str, str]]) -> None:
    common = {"status": "completed", "subject": ctx.patient_ref, "encounter": refs["procedure_day"],
              "partOf": [refs["procedure"]]}
    for i, injection in enumerate(record.injections):
        adrenaline = " with adrenaline" if injection.with_adrenaline else ""
        name = f"{injection.agent.value} {injection.concentration_percent:g}%{adrenaline}"
        administration: Resource = {
            "resourceType": "MedicationAdministration", "id": rid("MedicationAdministration", episode.id, i), **common,
            "medication": {"concept": concept("local-anaesthetic", injection.agent.value, name)},
            "occurenceDateTime": instant(injection.happened_at), "recorded": instant(injection.at),
            "performer": [{"actor": {"reference": ctx.practitioner_ref(injection.given_by)}}] + (
                [{"function": text_concept("second clinician confirming the dose over the maximum (PRO-04)"),
                  "actor": {"reference": ctx.practitioner_ref(injection.override_confirmed_by)}}]
                if injection.override_confirmed_by else []),
            "dosage": {"text": f"{injection.volume_ml:g} mL of {name} = {injection.mg:g} mg", "route":
                       text_concept("local infiltration"), "dose": quantity(injection.mg, "mg", 1),
                       **({"site": text_concept(injection.site)} if injection.site else {})}}
        if injection.override_reason:
            administration["note"] = [{"text": f"given above the maximum dose: {injection.override_reason}"}]
        mark_in_error(administration, episode, "injection", i)
        ctx.add(administration)
    topical = next((e for e in record.checklist if e.item is ChecklistItem.TOPICAL_APPLIED and e.amount_g), None)
    if topical is not None and topical.amount_g is not None:
        ctx.add({"resourceType": "MedicationAdministration", "id": rid("MedicationAdministration", episode.id,
                                                                      "topical"), **common,
                 "medication": {"concept": text_concept("lidocaine 2.5% and prilocaine 2.5% cream")},
                 "occurenceDateTime": instant(topical.at), "recorded": instant(topical.at),
                 "performer": [{"actor": {"reference": ctx.practitioner_ref(topical.by)}}],
                 "dosage": {"route": text_concept("topical"), "dose": quantity(topical.amount_g, "g", 2)}})


def _after(ctx: Context, episode: Episode, refs: dict[str, dict[str, str]]) -> None:
    """Observations after the procedure and the discharge checklist."""
    common = {"status": "final", "subject": ctx.patient_ref, "encounter": refs["procedure_day"]}
    for i, seen in enumerate(episode.observations):
        at = {"effectiveDateTime": instant(seen.at), "performer": [ctx.practitioner_ref(seen.by)],
              **mark_in_error({}, episode, "observation", i)}
        if seen.pulse_bpm is not None:
            ctx.add({"resourceType": "Observation", "id": rid("Observation", episode.id, "pulse", i), **common, **at,
                     "category": category("vital-signs"),
                     "code": {"coding": [{"system": LOINC, "code": "8867-4", "display": "Heart rate"}]},
                     "valueQuantity": quantity(seen.pulse_bpm, "/min", 0)})
        if seen.systolic_mmhg is not None and seen.diastolic_mmhg is not None:
            ctx.add({"resourceType": "Observation", "id": rid("Observation", episode.id, "bp", i), **common, **at,
                     "category": category("vital-signs"),
                     "code": {"coding": [{"system": LOINC, "code": "85354-9", "display": "Blood pressure panel"}]},
                     "component": [
                         {"code": {"coding": [{"system": LOINC, "code": "8480-6",
                                               "display": "Systolic blood pressure"}]},
                          "valueQuantity": quantity(seen.systolic_mmhg, "mm[Hg]", 0)},
                         {"code": {"coding": [{"system": LOINC, "code": "8462-4",
                                               "display": "Diastolic blood pressure"}]},
                          "valueQuantity": quantity(seen.diastolic_mmhg, "mm[Hg]", 0)}]})
        check: Resource = {
            "resourceType": "Observation", "id": rid("Observation", episode.id, "check", i), **common, **at,
            "category": category("exam"), "code": concept("post-procedure", "post_procedure_check"),
            "component": [{"code": concept("post-procedure", flag), "valueBoolean": bool(getattr(seen, flag))}
                          for flag in ("active_bleeding", "expanding_swelling", "last_symptoms")]}
        if seen.pain_score is not None:
            check["component"].append({"code": concept("post-procedure", "pain_score", "pain, 0-10"),
                                       "valueInteger": seen.pain_score})
        if seen.note:
            check["note"] = [{"text": seen.note}]
        ctx.add(check)
    discharge = episode.discharge
    if discharge is not None:
        ctx.add({"resourceType": "Observation", "id": rid("Observation", episode.id, "discharge"), **common,
                 "category": category("exam"), "code": concept("discharge", "discharge_checklist",
                                                                "discharge checklist (DIS-01)"),
                 "effectiveDateTime": instant(discharge.discharged_at),
                 "performer": [ctx.practitioner_ref(discharge.by)],
                 "component": [{"code": concept("discharge-criterion", c.value), "valueBoolean": met}
                               for c, met in discharge.criteria.items()]})
