"""Consent: the document, a signature drawn on a canvas (or the typed name as the signature), then locked."""

from __future__ import annotations

import base64
import binascii
import io
from uuid import UUID

from fastapi.responses import Response
from PIL import Image

from threadlift.clinic.errors import DomainError
from threadlift.services import episodes, people, records
from threadlift.web.pages.common import PageDep, domain_message
from threadlift.web.pages.routing import page_router

router = page_router()
PNG_PREFIX = "data:image/png;base64,"
MAX_SIGNATURE_BYTES = 600_000


def _page(page: PageDep, episode_id: UUID, status: int = 200, **extra: object) -> Response:
    episode = episodes.clinical_episode(page.services, page.user, episode_id, "consent")
    patient = people.get_patient(page.services, page.user, episode.patient_id)
    documents = [d for d in records.consent_documents(page.services, page.user) if d.procedure_type == "thread_lift"]
    document = documents[-1] if documents else None
    if episode.consent is not None:
        document = next((d for d in documents if d.version == episode.consent.document_version), document)
    return page.render("consent.html", status, episode=episode, patient=patient, document=document,
                       consent=episode.consent, intact=episode.consent.verify() if episode.consent else None,
                       values=extra.pop("values", {}), errors=extra.pop("errors", {}), **extra)


def _has_ink(png: bytes) -> bool:
    """A signature must be more than a blank box: some dark strokes on it."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            grey = image.convert("L")
            grey.thumbnail((300, 300))
            return sum(grey.histogram()[:128]) >= 20
    except (OSError, ValueError):
        return False


@router.get("/episodes/{episode_id}/consent")
def consent_page(episode_id: UUID, page: PageDep) -> Response:
    return _page(page, episode_id)


@router.post("/episodes/{episode_id}/consent")
async def sign(episode_id: UUID, page: PageDep) -> Response:
    form = await page.request.form()
    typed_name = str(form.get("typed_name", "")).strip()
    signature = str(form.get("signature", ""))
    version = str(form.get("document_version", ""))
    errors: dict[str, str] = {}
    if len(typed_name) < 2:
        errors["typed_name"] = "Type the patient's full name."
    encoded = signature.removeprefix(PNG_PREFIX)
    try:
        raw = base64.b64decode(encoded, validate=True) if encoded else b""
    except (binascii.Error, ValueError):
        raw = b""
    if not raw.startswith(b"\x89PNG") or len(raw) > MAX_SIGNATURE_BYTES or not _has_ink(raw):
        errors["signature"] = "Draw the signature in the box (or use the typed name as the signature)."
    if errors:
        return _page(page, episode_id, 422, values={"typed_name": typed_name}, errors=errors)
    address = page.request.client.host if page.request.client else "unknown"
    try:
        episodes.sign_consent(page.services, page.user, episode_id, procedure_type="thread_lift",
                              document_version=version, typed_name=typed_name, signature_png_base64=encoded,
                              client_address=address)
    except DomainError as error:
        return _page(page, episode_id, 409, values={"typed_name": typed_name}, errors={"form": domain_message(error)})
    return page.redirect(f"/episodes/{episode_id}/consent")
