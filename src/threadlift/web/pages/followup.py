"""Follow-up visits: the schedule, new photos, the comparison with baseline, adverse events."""

from __future__ import annotations

import io
from typing import Any
from uuid import UUID

from fastapi.responses import Response
from PIL import Image
from pydantic import ValidationError

from threadlift.clinic.adverse import EventType, Intervention, Outcome
from threadlift.clinic.errors import DomainError
from threadlift.clinic.followup import FollowUpStatus
from threadlift.face.compare_draw import aligned_pair, render_comparison
from threadlift.services import episodes, outcomes, people, photos
from threadlift.web.pages.common import PageDep, domain_message, field_errors, form_values
from threadlift.web.pages.routing import page_router

router = page_router()
EVENT_TEXT = ("description", "area", "side", "onset_on", "severity", "treatment", "intervention", "outcome",
              "resolved_on")


def _page(page: PageDep, episode_id: UUID, status: int = 200, **extra: Any) -> Response:
    episode = episodes.clinical_episode(page.services, page.user, episode_id, "follow_ups")
    patient = people.get_patient(page.services, page.user, episode.patient_id)
    stored = photos.photos_of(page.services, page.user, episode_id)
    baseline = {p.view: p for p in stored if p.stage == "baseline"}
    pairs = [(baseline[p.view], p) for p in stored if p.stage == "follow_up" and p.view in baseline]
    procedure_on = episode.procedure.started_at.date() if episode.procedure else None
    today = page.services.clock().date()
    lots = {t.lot_id: t for t in episode.procedure.threads} if episode.procedure else {}
    return page.render("followup.html", status, episode=episode, patient=patient, pairs=pairs, lots=lots,
                       prompts={e.id: e.prompts(procedure_on, today, page.services.policy.dimpling_review_days)
                                for e in episode.adverse_events},
                       statuses=[s.value for s in FollowUpStatus if s is not FollowUpStatus.SCHEDULED],
                       types=[t.value for t in EventType], interventions=[i.value for i in Intervention],
                       outcomes=[o.value for o in Outcome], errors=extra.pop("errors", {}),
                       values=extra.pop("values", {"onset_on": today.isoformat(), "severity": "1"}), **extra)


@router.get("/episodes/{episode_id}/follow-up")
def follow_up_page(episode_id: UUID, page: PageDep) -> Response:
    return _page(page, episode_id)


@router.post("/episodes/{episode_id}/follow-ups/{index}")
async def complete(episode_id: UUID, index: int, page: PageDep) -> Response:
    values = form_values(await page.request.form())
    try:
        episodes.complete_follow_up(page.services, page.user, episode_id, index,
                                    FollowUpStatus(values.get("status", "done")), values.get("note") or None)
    except (ValueError, DomainError) as error:
        message = domain_message(error) if isinstance(error, DomainError) else "Choose done, missed or cancelled."
        return _page(page, episode_id, 409, follow_up_errors={index: message})
    return page.redirect(f"/episodes/{episode_id}/follow-up")


@router.post("/episodes/{episode_id}/adverse-events")
async def add_event(episode_id: UUID, page: PageDep) -> Response:
    form = await page.request.form()
    values = form_values(form)
    fields: dict[str, Any] = {name: values.get(name) or None for name in EVENT_TEXT}
    fields.update(type=values.get("type") or None, serious=values.get("serious") == "on",
                  pus_present=values.get("pus_present") == "on", pulsatile_lump=values.get("pulsatile_lump") == "on",
                  lot_ids=[str(v) for v in form.getlist("lot_ids")])
    fields = {k: v for k, v in fields.items() if v is not None or k in ("type", "onset_on", "severity")}
    try:
        episodes.add_adverse_event(page.services, page.user, episode_id, fields)
    except ValidationError as error:
        return _page(page, episode_id, 422, errors=field_errors(error), values=values)
    except DomainError as error:
        return _page(page, episode_id, 409, errors={"form": domain_message(error)}, values=values)
    return page.redirect(f"/episodes/{episode_id}/follow-up#adverse-events")


@router.get("/episodes/{episode_id}/compare/{before_id}/{after_id}")
def comparison(episode_id: UUID, before_id: UUID, after_id: UUID, page: PageDep, force: bool = False) -> Response:
    episode = episodes.clinical_episode(page.services, page.user, episode_id, "outcome")
    patient = people.get_patient(page.services, page.user, episode.patient_id)
    outcome = outcomes.compare_photos(page.services, page.user, before_id, after_id, force=force)
    return page.render("compare.html", episode=episode, patient=patient, outcome=outcome, doc=outcome.document,
                       force=force)


@router.get("/episodes/{episode_id}/compare/{before_id}/{after_id}/{picture}.jpg")
def comparison_picture(episode_id: UUID, before_id: UUID, after_id: UUID, picture: str, page: PageDep,
                       force: bool = False) -> Response:
    outcome = outcomes.compare_photos(page.services, page.user, before_id, after_id, force=force)
    if picture == "arrows":
        image = render_comparison(outcome.comparison)
    elif picture in ("before", "after"):
        before, after = aligned_pair(outcome.comparison)
        image = Image.fromarray(before if picture == "before" else after)
    else:
        return Response(status_code=404)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return Response(buffer.getvalue(), media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})
