"""Consent to the procedure (with the exact document signed, its Provenance carrying the drawn
signature) and consents to photography (their scopes, the photos they cover, their withdrawal)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from threadlift.clinic.consent import PhotoConsent, SignedConsent
from threadlift.clinic.episode import Episode, State
from threadlift.interop.fhir.base import (
    CONSENT_SIGNATURE,
    IDENTIFIERS,
    SIGNATURE_TYPES,
    Context,
    Resource,
    coding,
    concept,
    in_error_provenance,
    instant,
    ref,
    ref_to,
    rid,
)

# http://terminology.hl7.org/CodeSystem/provenance-participant-type
PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"


def agent_type(code: str) -> dict[str, list[dict[str, str]]]:
    return {"coding": [{"system": PARTICIPANT, "code": code}]}


def treatment_consent(ctx: Context, episode: Episode, consent: SignedConsent) -> dict[str, str]:
    document = ctx.record.consent_document(consent.procedure_type, consent.document_version)
    resource: Resource = {
        "resourceType": "Consent", "id": str(consent.id),
        "identifier": [{"system": IDENTIFIERS + "signed-consent-sha256", "value": consent.content_sha256}],
        "status": "inactive" if episode.state is State.CANCELLED else "active",
        "category": [concept("consent-category", "treatment", "Consent to a facial thread lift")],
        "subject": ctx.patient_ref, "date": ctx.local_date(consent.signed_at).isoformat(),
        "period": {"start": instant(consent.signed_at)}, "grantor": [ctx.patient_ref],
        "grantee": [ctx.practitioner_ref(consent.taken_by)], "manager": [ctx.organization_ref()],
        "controller": [ctx.organization_ref()], "decision": "permit",
        "provision": [{"purpose": [coding("consent-purpose", "treatment", "treatment")]}]}
    if document is not None:
        text = document.text.encode()
        resource["sourceAttachment"] = [{
            "contentType": "text/plain; charset=utf-8", "language": "en",
            "title": f"{document.title} (version {document.version}, sha256 {consent.document_sha256})",
            "data": base64.b64encode(text).decode(),
            "hash": base64.b64encode(hashlib.sha1(text).digest()).decode(),  # Attachment.hash is SHA-1
            "creation": instant(consent.signed_at)}]
    in_error_provenance(ctx, episode, "consent", resource)
    ctx.add(resource)
    consent_ref = ref_to(resource)
    ctx.add({"resourceType": "Provenance", "id": rid("Provenance", consent.id, "signature"),
             "target": [consent_ref], "occurredDateTime": instant(consent.signed_at),
             "recorded": instant(consent.signed_at), "patient": ctx.patient_ref,
             "activity": concept("provenance-activity", "consent_signed", "consent signed on the signature pad"),
             "agent": [{"type": agent_type("author"), "who": ctx.patient_ref},
                       {"type": agent_type("verifier"), "who": ctx.practitioner_ref(consent.taken_by)}],
             "signature": [{"type": [{"system": SIGNATURE_TYPES, "code": CONSENT_SIGNATURE[0],
                                      "display": CONSENT_SIGNATURE[1]}],
                            "when": instant(consent.signed_at), "who": ctx.patient_ref, "sigFormat": "image/png",
                            "data": consent.signature_png_base64}]})
    return consent_ref


def photo_consent(ctx: Context, consent: PhotoConsent) -> None:
    covered = [p for p in ctx.record.photos if p.uploaded_at >= consent.given_at
               and (consent.withdrawn_at is None or p.uploaded_at < consent.withdrawn_at)]
    provision: dict[str, Any] = {"purpose": [coding("photo-scope", s.value, s.value.replace("_", " "))
                                             for s in sorted(consent.scopes)]}
    if covered:
        provision["data"] = [{"meaning": "instance", "reference": ref("DocumentReference", p.id)} for p in covered]
    period = {"start": instant(consent.given_at)}
    if consent.withdrawn_at is not None:
        period["end"] = instant(consent.withdrawn_at)
    resource: Resource = {
        "resourceType": "Consent", "id": str(consent.id), "status": "inactive" if consent.withdrawn_at else "active",
        "category": [concept("consent-category", "photography", "Consent to clinical photography and its uses")],
        "subject": ctx.patient_ref, "date": ctx.local_date(consent.given_at).isoformat(), "period": period,
        "grantor": [ctx.patient_ref], "manager": [ctx.organization_ref()], "controller": [ctx.organization_ref()],
        "decision": "permit", "provision": [provision]}
    if consent.entered_in_error_at is not None and consent.entered_in_error_by is not None:
        resource["status"] = "entered-in-error"
        ctx.add({"resourceType": "Provenance", "id": rid("Provenance", consent.id, "entered-in-error"),
                 "target": [ref_to(resource)], "occurredDateTime": instant(consent.entered_in_error_at),
                 "recorded": instant(consent.entered_in_error_at), "patient": ctx.patient_ref,
                 "activity": {"coding": [coding("provenance-activity", "entered_in_error")],
                              "text": f"marked as entered in error: {consent.entered_in_error_reason}"},
                 "agent": [{"who": ctx.practitioner_ref(consent.entered_in_error_by)}]})
    ctx.add(resource)
    given = {"resourceType": "Provenance", "id": rid("Provenance", consent.id, "given"), "target": [ref_to(resource)],
             "occurredDateTime": instant(consent.given_at), "recorded": instant(consent.given_at),
             "patient": ctx.patient_ref, "activity": concept("provenance-activity", "photo_consent_given"),
             "agent": [{"type": agent_type("informant"), "who": ctx.patient_ref},
                       {"type": agent_type("enterer"), "who": ctx.practitioner_ref(consent.recorded_by)}]}
    ctx.add(given)
    if consent.withdrawn_at is not None:
        withdrawal: Resource = {
            "resourceType": "Provenance", "id": rid("Provenance", consent.id, "withdrawn"),
            "target": [ref_to(resource)], "occurredDateTime": instant(consent.withdrawn_at),
            "recorded": instant(consent.withdrawn_at), "patient": ctx.patient_ref,
            "activity": concept("provenance-activity", "photo_consent_withdrawn",
                                "withdrawn" + (f": {consent.withdrawal_reason}" if consent.withdrawal_reason else "")),
            "agent": [{"type": agent_type("informant"), "who": ctx.patient_ref}]}
        if consent.withdrawn_by:
            withdrawal["agent"].append({"type": agent_type("enterer"),
                                        "who": ctx.practitioner_ref(consent.withdrawn_by)})
        ctx.add(withdrawal)
