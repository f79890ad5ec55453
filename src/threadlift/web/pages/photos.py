"""Photos per view from an upload or the camera, checked before they are accepted, and their analysis."""

from __future__ import annotations

import base64
import io
from typing import Any
from uuid import UUID

from fastapi.responses import Response

from threadlift.clinic.errors import DomainError
from threadlift.face.errors import PhotoError
from threadlift.face.metrics import MEASURES_BY_NAME
from threadlift.face.overlay import render_overlay
from threadlift.face.pose import View
from threadlift.services import episodes, people, photos
from threadlift.web.pages.common import PageDep, domain_message
from threadlift.web.pages.routing import page_router

router = page_router()
VIEWS = [v.value for v in View]
STAGES = list(photos.STAGES)


async def _upload(page: PageDep) -> tuple[bytes, str, str]:
    form = await page.request.form()
    upload = form.get("file")
    data = b""
    if upload is not None and not isinstance(upload, str):
        data = await upload.read(photos.MAX_UPLOAD_BYTES + 1)
    return data, str(form.get("view", "frontal")), str(form.get("stage", "baseline"))


def _gallery(page: PageDep, episode_id: UUID, stage: str, status: int = 200, **extra: Any) -> Response:
    episode = episodes.clinical_episode(page.services, page.user, episode_id, "photos")
    patient = people.get_patient(page.services, page.user, episode.patient_id)
    stored = photos.photos_of(page.services, page.user, episode_id)
    by_view = {view: [p for p in stored if p.view == view] for view in VIEWS}
    baseline = {view: next((p for p in reversed(by_view[view]) if p.stage == "baseline"), None) for view in VIEWS}
    return page.render("photos.html", status, episode=episode, patient=patient, by_view=by_view, baseline=baseline,
                       views=VIEWS, stages=STAGES, stage=stage if stage in STAGES else "baseline",
                       view=extra.pop("view", "frontal"), **extra)


@router.get("/episodes/{episode_id}/photos")
def gallery(episode_id: UUID, page: PageDep, stage: str = "baseline") -> Response:
    return _gallery(page, episode_id, stage)


@router.post("/episodes/{episode_id}/photos/check")
async def check(episode_id: UUID, page: PageDep) -> Response:
    """Analyse without storing: the clinician sees quality problems before accepting the photo."""
    data, view, stage = await _upload(page)
    try:
        analysis, document = photos.check(page.services, page.user, episode_id, data=data, view=view, stage=stage)
    except PhotoError as error:
        return page.render("_photo_check.html", 422, error=f"{error.message} [{error.code}]")
    except DomainError as error:
        return page.render("_photo_check.html", 422, error=domain_message(error))
    buffer = io.BytesIO()
    render_overlay(analysis).save(buffer, format="JPEG", quality=85)
    overlay = base64.b64encode(buffer.getvalue()).decode()
    return page.render("_photo_check.html", document=document, overlay=overlay, view=view,
                       rows=_measurement_rows(document))


@router.post("/episodes/{episode_id}/photos")
async def store(episode_id: UUID, page: PageDep) -> Response:
    data, view, stage = await _upload(page)
    try:
        stored = photos.upload(page.services, page.user, episode_id, data=data, view=view, stage=stage)
    except PhotoError as error:
        return _gallery(page, episode_id, stage, 422, view=view, file_error=f"{error.message} [{error.code}]")
    except DomainError as error:
        return _gallery(page, episode_id, stage, 422, view=view, file_error=domain_message(error))
    return page.redirect(f"/photos/{stored.id}")


@router.get("/photos/{photo_id}")
def photo_page(photo_id: UUID, page: PageDep) -> Response:
    stored = photos.photo_record(page.services, page.user, photo_id)
    episode = episodes.clinical_episode(page.services, page.user, stored.episode_id, "photos")
    patient = people.get_patient(page.services, page.user, episode.patient_id)
    return page.render("photo.html", photo=stored, episode=episode, patient=patient, document=stored.analysis,
                       rows=_measurement_rows(stored.analysis))


@router.get("/photos/{photo_id}/image")
def image(photo_id: UUID, page: PageDep) -> Response:
    data, content_type = photos.photo_bytes(page.services, page.user, photo_id)
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, no-store"})


@router.get("/photos/{photo_id}/overlay.jpg")
def overlay(photo_id: UUID, page: PageDep) -> Response:
    _, analysis = photos.analysis_of(page.services, page.user, photo_id)
    buffer = io.BytesIO()
    render_overlay(analysis).save(buffer, format="JPEG", quality=88)
    return Response(buffer.getvalue(), media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


def _measurement_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, value in document.get("measurements", {}).items():
        measure = MEASURES_BY_NAME.get(name)
        rows.append({"name": name, "area": measure.area if measure else "", "sided": "left" in value, **value})
    return rows
