"""Procedure day: checklist with clocks, anaesthetic running total, threads by lot, events, end time.

A thread is recorded as it was placed. Choosing a planned thread offers the plan's values (area,
side, entry and exit, length, anchoring) as defaults in the form, marked as such; the clinician
confirms or changes each one, and a blank where the record needs a value is refused, with the
plan's value put back in the field to confirm.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.services import procedure
from threadlift.services.commands import (
    ConfirmInjection,
    EndProcedure,
    PlaceThread,
    RecordInjection,
    RecordProcedureEvent,
    StartProcedure,
    TickChecklist,
)
from threadlift.services.procedure import PlannedThread
from threadlift.services.types import (
    ChecklistItem,
    ChecklistTick,
    DomainError,
    DoseExceeded,
    EventKind,
    InjectionEntry,
    PlanMismatch,
    ProcedureEventEntry,
    Side,
    ThreadPlacement,
    allowance_text,
)
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors, filled, form_values, ticked
from threadlift.web.pages.routing import page_router

router = page_router()
USUAL_PROCEDURE_MINUTES = 60  # "about an hour" (thread-lift-clinical.md §4.1)
INJECTION_FIELDS = ("concentration_percent", "volume_ml", "site", "override_reason", "given_at")
PLACEMENT_FIELDS = ("lot_id", "area", "side", "vector", "entry_to_exit_mm")
ANCHORED = {"yes": True, "no": False}


def _page(page: PageDep, episode_id: UUID, status: int = 200, **extra: Any) -> Response:
    view = procedure.procedure_view(page.services, page.user, episode_id)
    record = view.record
    ticks = {entry.item.value: entry for entry in record.checklist} if record else {}
    return page.render("procedure.html", status, episode=view.episode, patient=view.patient, record=record,
                       dose=view.dose, planned=view.planned, planned_by_id={t.id: t for t in view.planned},
                       stock=view.stock, form=extra.pop("form", None), today=page.services.today(),
                       ticks=ticks, items=list(ChecklistItem), events=[k.value for k in EventKind],
                       sides=[s.value for s in Side], usual_minutes=USUAL_PROCEDURE_MINUTES,
                       allowance=allowance_text(view.dose, 1.0) if view.dose else "",
                       recorded_planned={t.planned_thread for t in record.threads} if record else set(),
                       errors=extra.pop("errors", {}), values=extra.pop("values", {}), **extra)


page_of = _page  # the page with a message, for web/pages/corrections.py


@router.get("/episodes/{episode_id}/procedure")
def procedure_page(episode_id: UUID, page: PageDep) -> Response:
    return _page(page, episode_id)


@router.post("/episodes/{episode_id}/procedure/start")
def start(episode_id: UUID, page: PageDep) -> Response:
    try:
        procedure.start_procedure(page.services, page.user, StartProcedure(episode_id=episode_id))
    except DomainError as error:
        return _page(page, episode_id, 409, start_error=domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/procedure")


@router.post("/episodes/{episode_id}/procedure/checklist")
def tick(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    try:
        checked = ChecklistTick.model_validate(filled(form_values(form), ("item", "amount_g")))
    except ValidationError as error:
        return _page(page, episode_id, 422, checklist_error="; ".join(
            f"{'Cream (grams)' if name == 'amount_g' else 'Item'}: {message}"
            for name, message in field_errors(error).items()))
    try:
        procedure.tick(page.services, page.user, TickChecklist(episode_id=episode_id, tick=checked))
    except DomainError as error:
        return _page(page, episode_id, 409, checklist_error=domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/procedure#checklist")


@router.post("/episodes/{episode_id}/procedure/injections")
def inject(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    try:
        fields = filled(values, INJECTION_FIELDS)
        entry = InjectionEntry.model_validate({**fields, "given_at": page.clinic_time(fields["given_at"]),
                                               "with_adrenaline": ticked(values, "with_adrenaline")})
        procedure.inject(page.services, page.user, RecordInjection(episode_id=episode_id, injection=entry))
    except ValidationError as error:
        return _page(page, episode_id, 422, errors=field_errors(error), values=values)
    except DoseExceeded as error:
        return _page(page, episode_id, 409, errors={"volume_ml": domain_message(error)}, values=values,
                     needs_override=True)
    except DomainError as error:
        return _page(page, episode_id, 409, errors={"form": domain_message(error)}, values=values)
    return page.redirect(f"/episodes/{episode_id}/procedure#anaesthetic")


@router.post("/episodes/{episode_id}/procedure/injections/held/{pending_id}/{action}")
def held_injection(episode_id: UUID, pending_id: UUID, action: str, page: PageDep) -> Response:
    """A dose over the maximum: confirmed by a second clinician, or withdrawn (not given)."""
    use_case = {"confirm": procedure.confirm_injection, "withdraw": procedure.withdraw_injection}.get(action)
    if use_case is None:
        return _page(page, episode_id, 404, held_error="Nothing to do here: confirm or withdraw.")
    try:
        use_case(page.services, page.user, ConfirmInjection(episode_id, pending_id))
    except DomainError as error:
        return _page(page, episode_id, 409, held_error=domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/procedure#anaesthetic")


@router.post("/episodes/{episode_id}/procedure/threads")
def place_thread(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    fields: dict[str, Any] = {**filled(values, PLACEMENT_FIELDS), "anchored": ANCHORED.get(values.get("anchored", "")),
                              "planned_thread": values.get("planned") or None,
                              "placed_at": page.clinic_time(values.get("placed_at") or None),
                              "confirm_differs_from_plan": ticked(values, "confirm_differs_from_plan")}
    try:
        placement = ThreadPlacement.model_validate(fields)
    except ValidationError as error:
        return _unconfirmed(page, episode_id, values, field_errors(error))
    try:
        procedure.place_thread(page.services, page.user, PlaceThread(episode_id=episode_id, placement=placement))
    except PlanMismatch as error:
        return _page(page, episode_id, 409, errors={"lot_id": domain_message(error)}, values=values, form="thread",
                     differs_from_plan=True)
    except DomainError as error:
        field = {"PRO-02": "entry_to_exit_mm", "when": "placed_at"}.get(error.rule or "", "lot_id")
        return _page(page, episode_id, 409, errors={field: domain_message(error)}, values=values, form="thread")
    return page.redirect(f"/episodes/{episode_id}/procedure#threads")


def _unconfirmed(page: PageDep, episode_id: UUID, values: dict[str, str], errors: dict[str, str]) -> Response:
    """A placement refused for blanks: the chosen planned thread's values go into the blank fields, for the
    clinician to confirm (or change) and send again; nothing is recorded until they do."""
    view = procedure.procedure_view(page.services, page.user, episode_id)
    planned = next((t for t in view.planned if t.id == values.get("planned")), None)
    offered = {}
    if planned is not None:
        offered = {name: value for name, value in plan_defaults(planned).items() if not values.get(name)}
        for name in offered:
            errors[name] = "From the plan: confirm this value or change it to what was done."
    return _page(page, episode_id, 422, errors=errors, values={**values, **offered}, offered=sorted(offered),
                 form="thread")


def plan_defaults(planned: PlannedThread) -> dict[str, str]:
    """A planned thread's values as the placement form's fields (the defaults it offers)."""
    return {"area": planned.area, "side": planned.side, "vector": planned.vector,
            "entry_to_exit_mm": f"{planned.entry_to_exit_mm:g}", "anchored": "yes" if planned.anchored else "no"}


@router.post("/episodes/{episode_id}/procedure/events")
def event(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    try:
        entry = ProcedureEventEntry.model_validate(filled(values, ("kind", "note")))
        procedure.record_event(page.services, page.user, RecordProcedureEvent(episode_id=episode_id, event=entry))
    except ValidationError:
        return _page(page, episode_id, 422, errors={"kind": "Choose what happened."}, values=values)
    except DomainError as error:
        return _page(page, episode_id, 409, errors={"kind": domain_message(error)}, values=values)
    return page.redirect(f"/episodes/{episode_id}/procedure#events")


@router.post("/episodes/{episode_id}/procedure/end")
def end(episode_id: UUID, page: PageDep) -> Response:
    try:
        procedure.end_procedure(page.services, page.user, EndProcedure(episode_id=episode_id))
    except DomainError as error:
        return _page(page, episode_id, 409, end_error=domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/discharge")
