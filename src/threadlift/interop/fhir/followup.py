"""After discharge: the aftercare CarePlan, an Appointment per follow-up with the outcome ratings recorded
at it as Observations (GAIS by clinician and by patient, each with its scale and anchor direction; the
patient's report of the effect), and each adverse event as an AdverseEvent (seriousness, outcome, suspect
lot and procedure) with the complication it caused as a Condition (severity, onset, resolution), linked
from the Procedure's complications."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from threadlift.clinic.adverse import AdverseEvent, Outcome
from threadlift.clinic.appointments import AppointmentStatus
from threadlift.clinic.discharge import AFTERCARE_SHEETS
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.followup import FollowUp, FollowUpStatus
from threadlift.clinic.ratings import GaisRating, Rater
from threadlift.interop.fhir.base import (
    Context,
    Resource,
    coding,
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
from threadlift.interop.fhir.consultation import AMBULATORY, CLINICAL_STATUS, category

# http://terminology.hl7.org/CodeSystem/v3-ActCode VR (virtual): a follow-up call.
VIRTUAL = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR",
                       "display": "virtual"}]}
# http://hl7.org/fhir/ValueSet/appointmentstatus: a follow-up is due on a day, not yet booked at a time.
APPOINTMENT_STATUS = {FollowUpStatus.SCHEDULED: "proposed", FollowUpStatus.DONE: "fulfilled",
                      FollowUpStatus.MISSED: "noshow", FollowUpStatus.CANCELLED: "cancelled"}
# A follow-up booked at a time (clinic/appointments.py): the booking's own status while the follow-up is due.
BOOKING_STATUS = {AppointmentStatus.BOOKED: "booked", AppointmentStatus.ATTENDED: "fulfilled",
                  AppointmentStatus.NO_SHOW: "noshow", AppointmentStatus.CANCELLED: "cancelled"}
# http://terminology.hl7.org/CodeSystem/adverse-event-outcome and -seriousness
OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
OUTCOME_CODES = {Outcome.ONGOING: "ongoing", Outcome.RECOVERING: "recovering", Outcome.RESOLVED: "resolved",
                 Outcome.RESOLVED_WITH_SEQUELAE: "resolvedWithSequelae", Outcome.FATAL: "fatal",
                 Outcome.UNKNOWN: "unknown"}
SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
SEVERITY = {1: "mild", 2: "moderate", 3: "severe"}


def aftercare_resources(ctx: Context, episode: Episode, refs: dict[str, dict[str, str]]) -> None:
    discharge = episode.discharge
    assert discharge is not None
    sheet = AFTERCARE_SHEETS.get(discharge.aftercare_version)
    plan: Resource = {
        "resourceType": "CarePlan", "id": rid("CarePlan", episode.id, "aftercare"),
        "status": "completed" if episode.state is State.CLOSED else "active", "intent": "plan",
        "category": [concept("care-plan-category", "aftercare", "aftercare after a thread lift")],
        "title": f"Aftercare (sheet version {discharge.aftercare_version})", "subject": ctx.patient_ref,
        "encounter": refs["procedure_day"], "created": instant(discharge.discharged_at),
        "custodian": ctx.practitioner_ref(discharge.by),
        "period": {"start": instant(discharge.discharged_at)}}
    if sheet is not None:
        plan["description"] = sheet.text
    if "care_plan" in refs:
        plan["partOf"] = [refs["care_plan"]]
    ctx.add(plan)
    refs["aftercare"] = ref_to(plan)
    activities = [{"plannedActivityReference": _appointment(ctx, episode, i, f, refs)}
                  for i, f in enumerate(episode.follow_ups)]
    for index, follow_up in enumerate(episode.follow_ups):
        _ratings(ctx, episode, index, follow_up, refs)
    if activities:
        plan["activity"] = activities
        last = max(f.due_on for f in episode.follow_ups)
        plan["period"]["end"] = last.isoformat()


def _appointment(ctx: Context, episode: Episode, index: int, follow_up: FollowUp,
                 refs: dict[str, dict[str, str]]) -> dict[str, str]:
    day = follow_up.due_on.isoformat()
    appointment: Resource = {
        "resourceType": "Appointment", "id": rid("Appointment", episode.id, index),
        "status": APPOINTMENT_STATUS[follow_up.status], "class": [VIRTUAL if follow_up.kind == "call" else AMBULATORY],
        "serviceType": [{"concept": concept("follow-up-kind", follow_up.kind, f"follow-up {follow_up.kind}")}],
        "description": follow_up.name, "subject": ctx.patient_ref, "basedOn": [refs["aftercare"]],
        "requestedPeriod": [{"start": day, "end": day}],
        "participant": [{"actor": ctx.patient_ref, "status": "accepted"}]}
    if follow_up.reason:
        appointment["reason"] = [{"concept": text_concept(follow_up.reason)}]
    if follow_up.status is FollowUpStatus.DONE and follow_up.completed_at is not None:
        appointment["start"] = appointment["end"] = instant(follow_up.completed_at)
    elif follow_up.status is FollowUpStatus.MISSED:  # a no-show has a time: the day it was due, in the clinic
        start = datetime.combine(follow_up.due_on, time(0, 0), ctx.zone)
        appointment["start"] = instant(start)
        appointment["end"] = instant(start + timedelta(days=1) - timedelta(minutes=1))
    booking = ctx.record.booking_of(episode.id, index)
    if booking is not None:  # booked at a time: the booking's times, clinician and room
        if follow_up.status is FollowUpStatus.SCHEDULED:
            appointment["status"] = BOOKING_STATUS[booking.status]
        appointment.update({"start": instant(booking.starts_at), "end": instant(booking.ends_at),
                            "minutesDuration": booking.duration_minutes, "created": instant(booking.booked_at)})
        if booking.clinician_id != follow_up.completed_by:
            appointment["participant"].append({"actor": ctx.practitioner_ref(booking.clinician_id),
                                               "status": "accepted"})
    if follow_up.completed_by:
        appointment["participant"].append({"actor": ctx.practitioner_ref(follow_up.completed_by),
                                           "status": "accepted"})
    notes = [f"recorded {follow_up.status.value} by {ctx.record.staff_name(follow_up.completed_by)}"
             if follow_up.completed_by else "", follow_up.note or "",
             f"booked in {booking.room}" if booking is not None else ""]
    if any(notes):
        appointment["note"] = [{"text": n} for n in notes if n]
    return ref_to(ctx.add(appointment))


def _ratings(ctx: Context, episode: Episode, index: int, follow_up: FollowUp, refs: dict[str, dict[str, str]]) -> None:
    """OUT-01: each GAIS rating as an Observation whose code system names the scale, its version and its
    direction, with the label the rater saw; OUT-03: the patient's report of the effect."""
    assessment = follow_up.assessment
    if assessment is None:
        return
    common = {"status": "final", "category": category("survey"), "subject": ctx.patient_ref,
              "basedOn": [refs["aftercare"]], "note": [{"text": f"at the follow-up '{follow_up.name}'"}]}
    for rated in assessment.ratings:
        ctx.add({"resourceType": "Observation", "id": rid("Observation", episode.id, "follow-up", index, rated.rater),
                 **common, "code": concept("outcome-scale", "gais", f"Global Aesthetic Improvement Scale, rated by "
                                                                    f"the {rated.rater.value}"),
                 "effectiveDateTime": instant(rated.rated_at), "performer": [_rater(ctx, rated)],
                 "valueCodeableConcept": {"coding": [coding(_scale_system(rated), str(rated.score), rated.anchor)],
                                          "text": f"{rated.score} {rated.anchor}"},
                 "component": [
                     {"code": concept("outcome-scale-attribute", "scale_version"), "valueString": rated.scale_version},
                     {"code": concept("outcome-scale-attribute", "best_score", "score meaning the best outcome"),
                      "valueInteger": rated.best_score},
                     {"code": concept("outcome-scale-attribute", "standard_score", "score on the standard form "
                                      "(1 very much improved ... 5 worse)"), "valueInteger": rated.standard_score}]})
    effect = assessment.effect
    if effect is not None and assessment.effect_recorded_at is not None:
        observation: Resource = {
            "resourceType": "Observation", "id": rid("Observation", episode.id, "follow-up", index, "effect"),
            **common, "code": concept("outcome", "effect_noticeable", "The patient still notices the lift's effect"),
            "effectiveDateTime": instant(assessment.effect_recorded_at), "performer": [ctx.patient_ref],
            "valueBoolean": effect.noticeable}
        if effect.lost_after_weeks is not None:
            observation["component"] = [{"code": concept("outcome", "effect_lost_after", "The effect wore off this "
                                                          "long after the procedure (the patient's recollection)"),
                                         "valueQuantity": quantity(effect.lost_after_weeks, "wk", 0)}]
        ctx.add(observation)


def _scale_system(rated: GaisRating) -> str:
    """A code system per scale, version and direction, so a code never means two things."""
    direction = "1-best" if rated.best_score < rated.worst_score else f"{rated.best_score}-best"
    version = "".join(c if c.isalnum() else "-" for c in rated.scale_version.lower()).strip("-")
    return f"{rated.scale_name.lower()}-{version}-{direction}"


def _rater(ctx: Context, rated: GaisRating) -> dict[str, str]:
    return ctx.patient_ref if rated.rater is Rater.PATIENT else ctx.practitioner_ref(rated.recorded_by)


def adverse_event_resources(ctx: Context, episode: Episode, event: AdverseEvent,
                            refs: dict[str, dict[str, str]]) -> None:
    resolved = event.outcome in (Outcome.RESOLVED, Outcome.RESOLVED_WITH_SEQUELAE)
    code = concept("complication", event.type.value, event.description or words(event.type.value))
    condition: Resource = {
        "resourceType": "Condition", "id": rid("Condition", event.id),
        "clinicalStatus": {"coding": [{"system": CLINICAL_STATUS, "code": "resolved" if resolved else "active"}]},
        "category": [text_concept("complication of a thread lift")], "code": code,
        "severity": concept("severity", SEVERITY[event.severity]), "subject": ctx.patient_ref,
        "onsetDateTime": event.onset_on.isoformat()}
    if event.area:
        condition["bodySite"] = [concept("treatment-area", event.area,
                                         f"{words(event.area)}" + (f", {event.side}" if event.side else ""))]
    if event.resolved_on:
        condition["abatementDateTime"] = event.resolved_on.isoformat()
    if "procedure_day" in refs:
        condition["encounter"] = refs["procedure_day"]
    ctx.add(condition)
    suspects = [{"instanceReference": ref("Device", lot)} for lot in event.lot_ids]
    if "procedure" in refs:
        suspects.append({"instanceReference": refs["procedure"]})
        procedure = ctx.resources[("Procedure", refs["procedure"]["reference"].split("/")[1])]
        procedure.setdefault("complication", []).append({"reference": ref_to(condition)})
    notes = [f"severity {SEVERITY[event.severity]}; Clavien-Dindo grade {event.clavien_dindo}; triage tier "
             f"{event.tier}; intervention {words(event.intervention.value)}"]
    notes += [text for flag, text in ((event.pus_present, "pus present"), (event.pulsatile_lump, "pulsatile lump"))
              if flag]
    resource: Resource = {
        "resourceType": "AdverseEvent", "id": str(event.id), "status": "completed" if resolved else "in-progress",
        "actuality": "actual", "category": [concept("adverse-event-category", "procedure_complication")],
        "code": code, "subject": ctx.patient_ref, "occurrenceDateTime": event.onset_on.isoformat(),
        "seriousness": {"coding": [{"system": SERIOUSNESS, "code": "serious" if event.serious else "non-serious"}]},
        "outcome": [{"coding": [{"system": OUTCOME, "code": OUTCOME_CODES[event.outcome]}]}],
        "resultingEffect": [ref_to(condition)], "note": [{"text": n} for n in notes]}
    if suspects:
        resource["suspectEntity"] = suspects
    if "procedure_day" in refs:
        resource["encounter"] = refs["procedure_day"]
    if event.recorded_by:
        resource["recorder"] = ctx.practitioner_ref(event.recorded_by)
    if event.treatment:
        resource["mitigatingAction"] = [{"itemCodeableConcept": text_concept(event.treatment)}]
    ctx.add(mark_in_error(resource, episode, "adverse_event", episode.adverse_events.index(event)))
