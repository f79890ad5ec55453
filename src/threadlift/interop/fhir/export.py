"""A patient's record as FHIR resources, in a stable order; a Bundle; the clinic as NDJSON per type."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from uuid import UUID

from threadlift.clinic.record import PatientRecord
from threadlift.interop.fhir import consents, consultation, followup, photos, procedure
from threadlift.interop.fhir.base import IDENTIFIERS, ClinicInfo, Context, Resource, rid

STAGE_ENCOUNTER = {"baseline": "consultation", "procedure_day": "procedure_day"}


def patient_resource(ctx: Context) -> Resource:
    patient = ctx.record.patient
    resource: Resource = {
        "resourceType": "Patient", "id": str(patient.id),
        "identifier": [{"system": IDENTIFIERS + "patient", "value": str(patient.id)}], "active": True,
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name],
                  "text": patient.display_name}],
        "gender": patient.sex.value, "birthDate": patient.date_of_birth.isoformat(),
        "managingOrganization": ctx.organization_ref()}
    telecom = [{"system": "phone", "value": patient.phone}] if patient.phone else []
    telecom += [{"system": "email", "value": patient.email}] if patient.email else []
    if telecom:
        resource["telecom"] = telecom
    return resource


def patient_resources(record: PatientRecord, clinic: ClinicInfo, *, include_pixels: bool = False,
                      photo_bytes: Mapping[UUID, bytes] | None = None, photo_sha1: Mapping[UUID, str] | None = None,
                      measurement_areas: Mapping[str, str] | None = None) -> list[Resource]:
    """Every resource of ``record``: the Patient first, then each episode's resources in pathway order,
    then the shared ones (practitioners, the clinic, devices). The caller decides which photos the
    record holds (:meth:`PatientRecord.without_withdrawn_photos` for anyone but the patient)."""
    ctx = Context(record, clinic, include_pixels=include_pixels, photo_bytes=photo_bytes or {},
                  photo_sha1=photo_sha1 or {}, measurement_areas=measurement_areas or {})
    ctx.add(patient_resource(ctx))
    for episode in record.episodes:
        refs = consultation.episode_resources(ctx, episode)
        if episode.consent is not None:
            refs["consent"] = consents.treatment_consent(ctx, episode, episode.consent)
        if episode.plan is not None:
            procedure.plan_resources(ctx, episode, refs)
        if episode.procedure is not None:
            procedure.procedure_resources(ctx, episode, refs)
        if episode.discharge is not None:
            followup.aftercare_resources(ctx, episode, refs)
        for event in episode.adverse_events:
            followup.adverse_event_resources(ctx, episode, event, refs)
        episode_photos = record.photos_of(episode.id)
        for photo in episode_photos:
            stage = STAGE_ENCOUNTER.get(photo.stage)
            photos.photo_resources(ctx, photo, refs.get(stage) if stage else None, refs["episode"])
        usable = [p for p in episode_photos if p.entered_in_error is None]  # never compared once in error
        baselines = {p.view: p for p in usable if p.stage == "baseline"}
        for later in usable:
            if later.stage == "follow_up" and later.view in baselines:
                photos.change_resources(ctx, baselines[later.view], later)
    for consent in record.photo_consents:
        consents.photo_consent(ctx, consent)
    return _ordered(ctx.resources.values())


_SHARED_LAST = ("Practitioner", "Organization", "Device", "Questionnaire")


def _ordered(resources: Iterable[Resource]) -> list[Resource]:
    """Patient-specific resources in the order made, then the shared ones (stable, by type and id)."""
    made = list(resources)
    own = [r for r in made if r["resourceType"] not in _SHARED_LAST]
    shared = sorted((r for r in made if r["resourceType"] in _SHARED_LAST),
                    key=lambda r: (_SHARED_LAST.index(r["resourceType"]), r["id"]))
    return own + shared


def bundle(resources: list[Resource], clinic: ClinicInfo, *, bundle_id: str, timestamp: str) -> Resource:
    """A Bundle of type collection; each entry's fullUrl is the resource's address under the clinic's base."""
    base = clinic.base_url.rstrip("/")
    return {"resourceType": "Bundle", "id": bundle_id, "type": "collection", "timestamp": timestamp,
            "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources]}


def bundle_id(record: PatientRecord) -> str:
    return rid("Bundle", record.patient.id)


def ndjson_lines(resources: Iterable[Resource]) -> dict[str, list[str]]:
    """Resources as NDJSON lines grouped by type (the Bulk Data layout: one file per type)."""
    lines: dict[str, list[str]] = {}
    for resource in resources:
        lines.setdefault(resource["resourceType"], []).append(json.dumps(resource, separators=(",", ":"),
                                                                         ensure_ascii=False))
    return lines


__all__ = ["ClinicInfo", "bundle", "bundle_id", "ndjson_lines", "patient_resources"]
