"""Photos per view from an upload or the camera, checked before they are accepted, and their analysis."""

from __future__ import annotations

import base64
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from threadlift.services import episodes, photos
from threadlift.services.commands import MarkPhotoInError, PhotoUpload
from threadlift.services.types import Correction, DomainError, InvalidInput, PhotoError
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors
from threadlift.web.pages.routing import page_router

router = page_router()
VIEWS = list(photos.VIEWS)
STAGES = list(photos.STAGES)


async def upload_in(request: Request, episode_id: UUID) -> PhotoUpload:
    """The uploaded file (at most the upload limit and one byte, so a larger one is refused by size),
    with its view and stage. Awaited before the handler runs: reading the body is the event loop's."""
    form = await request.form()
    upload = form.get("file")
    data = await upload.read(photos.MAX_UPLOAD_BYTES + 1) if isinstance(upload, UploadFile) else b""
    return PhotoUpload(episode_id=episode_id, data=data, view=str(form.get("view", "frontal"))[:40],
                       stage=str(form.get("stage", "baseline"))[:40])


UploadDep = Annotated[PhotoUpload, Depends(upload_in)]


def _gallery(page: PageDep, episode_id: UUID, stage: str, status: int = 200, **extra: Any) -> Response:
    found = episodes.clinical_record(page.services, page.user, episode_id, "photos")
    stored = photos.photos_of(page.services, page.user, episode_id)
    by_view = {view: [p for p in stored if p.view == view] for view in VIEWS}
    baseline = {view: next((p for p in reversed(by_view[view]) if p.stage == "baseline" and p.entered_in_error is None),
                           None) for view in VIEWS}
    return page.render("photos.html", status, episode=found.episode, patient=found.patient, by_view=by_view,
                       baseline=baseline, views=VIEWS, stages=STAGES, stage=stage if stage in STAGES else "baseline",
                       view=extra.pop("view", "frontal"), **extra)


@router.get("/episodes/{episode_id}/photos")
def gallery(episode_id: UUID, page: PageDep, stage: str = "baseline") -> Response:
    return _gallery(page, episode_id, stage)


@router.post("/episodes/{episode_id}/photos/check")
def check(page: PageDep, upload: UploadDep) -> Response:
    """Analyse without storing: the clinician sees quality problems before accepting the photo."""
    try:
        checked = photos.check(page.services, page.user, upload)
    except PhotoError as error:
        return page.render("_photo_check.html", 422, error=f"{error.message} [{error.code}]")
    except DomainError as error:
        return page.render("_photo_check.html", 422, error=domain_message(error))
    return page.render("_photo_check.html", document=checked.document, view=upload.view,
                       overlay=base64.b64encode(checked.overlay_jpeg).decode(), rows=checked.measurement_rows)


@router.post("/episodes/{episode_id}/photos")
def store(page: PageDep, upload: UploadDep) -> Response:
    try:
        stored = photos.upload(page.services, page.user, upload)
    except PhotoError as error:
        return _gallery(page, upload.episode_id, upload.stage, 422, view=upload.view,
                        file_error=f"{error.message} [{error.code}]")
    except DomainError as error:
        return _gallery(page, upload.episode_id, upload.stage, 422, view=upload.view, file_error=domain_message(error))
    return page.redirect(f"/photos/{stored.id}")


@router.get("/photos/{photo_id}")
def photo_page(photo_id: UUID, page: PageDep) -> Response:
    stored = photos.photo_record(page.services, page.user, photo_id)
    found = episodes.clinical_record(page.services, page.user, stored.episode_id, "photos")
    return page.render("photo.html", photo=stored, episode=found.episode, patient=found.patient,
                       document=stored.analysis, rows=stored.measurement_rows)


@router.get("/photos/{photo_id}/image")
def image(photo_id: UUID, page: PageDep) -> Response:
    data, content_type = photos.photo_bytes(page.services, page.user, photo_id)
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, no-store"})


@router.get("/photos/{photo_id}/overlay.jpg")
def overlay(photo_id: UUID, page: PageDep) -> Response:
    return Response(photos.overlay_jpeg(page.services, page.user, photo_id), media_type="image/jpeg",
                    headers={"Cache-Control": "private, no-store"})


@router.post("/episodes/{episode_id}/photos/{photo_id}/entered-in-error")
def photo_in_error(episode_id: UUID, photo_id: UUID, page: PageDep, form: FormDep) -> Response:
    """Mark a photo as recorded in error: kept and shown struck through; never measured or compared again."""
    try:
        correction = Correction.model_validate({"reason": str(form.get("reason", ""))})
        photos.mark_in_error(page.services, page.user, MarkPhotoInError(photo_id=photo_id, correction=correction,
                                                                       episode_id=episode_id))
    except ValidationError as error:
        return _gallery(page, episode_id, "baseline", 422, correction_error="Not marked as entered in error: "
                        + "; ".join(field_errors(error).values()))
    except InvalidInput as error:
        return _gallery(page, episode_id, "baseline", 409, correction_error=domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/photos")
