"""Photos and photo consents through the JSON API."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response

from threadlift.services import consents, photos
from threadlift.services.commands import MarkPhotoConsentInError, MarkPhotoInError, PhotoUpload, WithdrawPhotoConsent
from threadlift.services.photos import StoredPhoto
from threadlift.services.types import Correction, PhotoConsent, PhotoConsentWithdrawal
from threadlift.web.deps import CurrentUser, ServicesDep

router = APIRouter(prefix="/api", tags=["photos"])


@router.post("/episodes/{episode_id}/photos", status_code=201)
def upload_photo(episode_id: UUID, services: ServicesDep, user: CurrentUser, file: Annotated[UploadFile, File()],
                 view: Annotated[str, Form(max_length=40)],
                 stage: Annotated[str, Form(max_length=40)] = "baseline") -> StoredPhoto:
    data = file.file.read(photos.MAX_UPLOAD_BYTES + 1)
    return photos.upload(services, user, PhotoUpload(episode_id=episode_id, data=data, view=view, stage=stage))


@router.get("/episodes/{episode_id}/photos")
def list_photos(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> list[StoredPhoto]:
    return photos.photos_of(services, user, episode_id)


@router.get("/photos/{photo_id}/image", response_class=Response, responses={200: {
    "description": "the photo as stored (location removed)",
    "content": {"image/jpeg": {}, "image/png": {}}}})
def photo_image(photo_id: UUID, services: ServicesDep, user: CurrentUser) -> Response:
    data, content_type = photos.photo_bytes(services, user, photo_id)
    return Response(content=data, media_type=content_type, headers={"Cache-Control": "no-store",
                                                                     "Content-Disposition": "inline"})


@router.post("/photo-consents/{consent_id}/withdraw")
def withdraw_photo_consent(consent_id: UUID, body: PhotoConsentWithdrawal, services: ServicesDep,
                           user: CurrentUser) -> PhotoConsent:
    return consents.withdraw_photo_consent(services, user, WithdrawPhotoConsent(consent_id=consent_id,
                                                                                withdrawal=body))


@router.post("/photo-consents/{consent_id}/entered-in-error")
def photo_consent_in_error(consent_id: UUID, body: Correction, services: ServicesDep,
                           user: CurrentUser) -> PhotoConsent:
    """Mark a photo consent as recorded in error, with the reason: it stays on file and no longer counts as consent
    (a photo is then refused until consent is recorded again)."""
    return consents.mark_photo_consent_in_error(services, user, MarkPhotoConsentInError(consent_id=consent_id,
                                                                                        correction=body))


@router.post("/photos/{photo_id}/entered-in-error")
def photo_in_error(photo_id: UUID, body: Correction, services: ServicesDep, user: CurrentUser) -> StoredPhoto:
    """Mark a photo as recorded in error, with the reason: it stays on the record (exported with FHIR's status
    entered-in-error) and is no longer measured, compared, planned on or counted in outcomes."""
    return photos.mark_in_error(services, user, MarkPhotoInError(photo_id=photo_id, correction=body))
