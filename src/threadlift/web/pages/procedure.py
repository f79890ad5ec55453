"""Procedure day: checklist with clocks, anaesthetic running total, threads by lot, events, end time."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.clinic import anaesthetic
from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import DomainError, DoseExceeded
from threadlift.clinic.procedure import ChecklistItem, EventKind, Side
from threadlift.plan.model import Plan as PlanDocument
from threadlift.services import episodes, people, records
from threadlift.web.pages.common import PageDep, domain_message, field_errors, form_values
from threadlift.web.pages.routing import page_router

router = page_router()
USUAL_PROCEDURE_MINUTES = 60  # "about an hour" (thread-lift-clinical.md §4.1)


def _page(page: PageDep, episode_id: UUID, status: int = 200, **extra: Any) -> Response:
    episode = episodes.clinical_episode(page.services, page.user, episode_id, "procedure")
    patient = people.get_patient(page.services, page.user, episode.patient_id)
    record = episode.procedure
    dose = None
    if record is not None and (patient.weight_kg or patient.dosing_weight_kg):
        dose = anaesthetic.status(patient, page.services.policy, record.injections, record.topical_g)
    planned = _planned_threads(episode)
    today = page.services.clock().date()
    stock = sorted(records.lots(page.services, page.user), key=lambda s: (s.lot.expiry < today, s.lot.expiry))
    ticks = {entry.item.value: entry for entry in record.checklist} if record else {}
    return page.render("procedure.html", status, episode=episode, patient=patient, record=record, dose=dose,
                       planned=planned, stock=stock, today=today, ticks=ticks, items=list(ChecklistItem),
                       events=[k.value for k in EventKind], usual_minutes=USUAL_PROCEDURE_MINUTES,
                       errors=extra.pop("errors", {}), values=extra.pop("values", {}), **extra)


def _planned_threads(episode: Episode) -> list[dict[str, Any]]:
    document = episode.plan.marking_map if episode.plan else None
    if not document:
        return []
    plan = PlanDocument.model_validate(document)
    return [{"id": t.id, "number": i + 1, "area": t.area, "side": t.side.value, "design": t.design,
             "length_mm": t.length_mm, "anchored": t.anchored, "path_mm": round(t.vector.length_mm),
             "vector": f"T{i + 1} entry ({t.vector.entry.x_mm:g}, {t.vector.entry.y_mm:g}) -> exit "
                       f"({t.vector.exit.x_mm:g}, {t.vector.exit.y_mm:g}) mm"}
            for i, t in enumerate(plan.threads)]


@router.get("/episodes/{episode_id}/procedure")
def procedure_page(episode_id: UUID, page: PageDep) -> Response:
    return _page(page, episode_id)


@router.post("/episodes/{episode_id}/procedure/start")
def start(episode_id: UUID, page: PageDep) -> Response:
    try:
        episodes.start_procedure(page.services, page.user, episode_id)
    except DomainError as error:
        return _page(page, episode_id, 409, start_error=domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/procedure")


@router.post("/episodes/{episode_id}/procedure/checklist")
async def tick(episode_id: UUID, page: PageDep) -> Response:
    form = await page.request.form()
    amount = str(form.get("amount_g") or "").strip()
    try:
        item = ChecklistItem(str(form.get("item", "")))
    except ValueError:
        return _page(page, episode_id, 422, checklist_error="Unknown checklist item.")
    try:
        amount_g = float(amount) if amount else None
        if amount_g is not None and not 0 < amount_g <= 30:
            raise ValueError
    except ValueError:
        return _page(page, episode_id, 422, checklist_error="Enter the cream in grams, more than 0 and at most 30 "
                                                            "(for example 2), or leave it empty.")
    try:
        episodes.tick(page.services, page.user, episode_id, item, amount_g)
    except DomainError as error:
        return _page(page, episode_id, 409, checklist_error=domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/procedure#checklist")


@router.post("/episodes/{episode_id}/procedure/injections")
async def inject(episode_id: UUID, page: PageDep) -> Response:
    values = form_values(await page.request.form())
    fields = {"concentration_percent": values.get("concentration_percent") or None,
              "volume_ml": values.get("volume_ml") or None, "with_adrenaline": values.get("with_adrenaline") == "on",
              "site": values.get("site") or None, "override_reason": values.get("override_reason") or None}
    try:
        episodes.inject(page.services, page.user, episode_id, fields)
    except ValidationError as error:
        return _page(page, episode_id, 422, errors=field_errors(error), values=values)
    except DoseExceeded as error:
        return _page(page, episode_id, 409, errors={"volume_ml": domain_message(error)}, values=values,
                     needs_override=True)
    except DomainError as error:
        return _page(page, episode_id, 409, errors={"form": domain_message(error)}, values=values)
    return page.redirect(f"/episodes/{episode_id}/procedure#anaesthetic")


@router.post("/episodes/{episode_id}/procedure/threads")
async def place_thread(episode_id: UUID, page: PageDep) -> Response:
    values = form_values(await page.request.form())
    episode = episodes.clinical_episode(page.services, page.user, episode_id, "procedure")
    planned = {t["id"]: t for t in _planned_threads(episode)}.get(values.get("planned", ""))
    area = values.get("area") or (planned["area"] if planned else "")
    side = values.get("side") or (planned["side"] if planned else "")
    vector = values.get("vector") or (planned["vector"] if planned else "")
    errors = {}
    if not values.get("lot_id"):
        errors["lot_id"] = "Choose the lot on the packet."
    if not area or not side or not vector:
        errors["planned"] = "Choose a planned thread, or fill in the area, side and vector."
    if errors:
        return _page(page, episode_id, 422, errors=errors, values=values)
    length = values.get("entry_to_exit_mm") or (str(planned["path_mm"]) if planned else "")
    try:
        episodes.place_thread(page.services, page.user, episode_id, lot_id=UUID(values["lot_id"]), area=area,
                              side=Side(side), vector=vector,
                              anchored=values.get("anchored") == "on" or bool(planned and planned["anchored"]),
                              entry_to_exit_mm=float(length) if length else None)
    except (ValueError, ValidationError):
        return _page(page, episode_id, 422, errors={"planned": "Check the side and the entry-to-exit length."},
                     values=values)
    except DomainError as error:
        return _page(page, episode_id, 409, errors={"lot_id": domain_message(error)}, values=values)
    return page.redirect(f"/episodes/{episode_id}/procedure#threads")


@router.post("/episodes/{episode_id}/procedure/events")
async def event(episode_id: UUID, page: PageDep) -> Response:
    values = form_values(await page.request.form())
    try:
        episodes.record_event(page.services, page.user, episode_id, EventKind(values.get("kind", "")),
                              values.get("note") or None)
    except ValueError:
        return _page(page, episode_id, 422, errors={"kind": "Choose what happened."}, values=values)
    except DomainError as error:
        return _page(page, episode_id, 409, errors={"kind": domain_message(error)}, values=values)
    return page.redirect(f"/episodes/{episode_id}/procedure#events")


@router.post("/episodes/{episode_id}/procedure/end")
def end(episode_id: UUID, page: PageDep) -> Response:
    try:
        episodes.end_procedure(page.services, page.user, episode_id)
    except DomainError as error:
        return _page(page, episode_id, 409, end_error=domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/discharge")
