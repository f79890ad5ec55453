"""Consent: the document, a signature drawn on a canvas (or the typed name as the signature), then locked."""

from __future__ import annotations

from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.services import consents, episodes
from threadlift.services.commands import SignConsent
from threadlift.services.types import ConsentSignature, DomainError
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors
from threadlift.web.pages.routing import page_router

router = page_router()
PNG_PREFIX = "data:image/png;base64,"
PROCEDURE_TYPE = "thread_lift"
# Form field names of the page, by the signature's field names.
FIELDS = {"typed_name": "typed_name", "signature_png_base64": "signature", "document_version": "form",
          "representative_relationship": "representative_relationship"}


def _page(page: PageDep, episode_id: UUID, status: int = 200, **extra: object) -> Response:
    found = episodes.clinical_record(page.services, page.user, episode_id, "consent")
    consent = found.episode.consent
    documents = [d for d in consents.consent_documents(page.services, page.user)
                 if d.procedure_type == PROCEDURE_TYPE]
    document = documents[-1] if documents else None
    if consent is not None:
        document = next((d for d in documents if d.version == consent.document_version), document)
    return page.render("consent.html", status, episode=found.episode, patient=found.patient, document=document,
                       consent=consent, intact=consent.verify() if consent else None,
                       values=extra.pop("values", {}), errors=extra.pop("errors", {}), **extra)


page_of = _page  # the page with a message, for web/pages/corrections.py


@router.get("/episodes/{episode_id}/consent")
def consent_page(episode_id: UUID, page: PageDep) -> Response:
    return _page(page, episode_id)


@router.post("/episodes/{episode_id}/consent")
def sign(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    typed_name = str(form.get("typed_name", "")).strip()
    relationship = str(form.get("representative_relationship", "")).strip()
    values = {"typed_name": typed_name, "representative_relationship": relationship}
    try:
        signature = ConsentSignature.model_validate({
            "procedure_type": PROCEDURE_TYPE, "document_version": str(form.get("document_version", "")),
            "typed_name": typed_name, "signature_png_base64": str(form.get("signature", "")).removeprefix(PNG_PREFIX),
            "representative_relationship": relationship or None})
    except ValidationError as error:
        errors = {FIELDS.get(name, "form"): message for name, message in field_errors(error).items()}
        if "signature" in errors:
            errors["signature"] = "Draw the signature in the box (or use the typed name as the signature)."
        return _page(page, episode_id, 422, values=values, errors=errors)
    address = page.request.client.host if page.request.client else "unknown"
    try:
        consents.sign_consent(page.services, page.user, SignConsent(episode_id=episode_id, signature=signature,
                                                                    client_address=address))
    except DomainError as error:
        field = {"signature": "signature", "consent_signer": "typed_name"}.get(error.rule, "form")
        message = ("Draw the signature in the box (or use the typed name as the signature)." if field == "signature"
                   else domain_message(error))
        return _page(page, episode_id, 409 if field == "form" else 422, values=values, errors={field: message})
    return page.redirect(f"/episodes/{episode_id}/consent")
