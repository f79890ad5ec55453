"""The procedure day, observation and discharge through the JSON API."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from threadlift.services import aftercare, episodes, procedure
from threadlift.services.commands import (
    ConfirmInjection,
    Discharge,
    EndProcedure,
    PlaceThread,
    RecordInjection,
    RecordObservation,
    RecordProcedureEvent,
    StartProcedure,
    TickChecklist,
)
from threadlift.services.types import (
    AFTERCARE_SHEETS,
    AftercareSheet,
    ChecklistTick,
    DischargeDecision,
    DoseStatus,
    FollowUp,
    InjectionEntry,
    NotFound,
    ObservationEntry,
    ProcedureEventEntry,
    ProcedureRecord,
    ThreadPlacement,
    ThreadUse,
)
from threadlift.web.deps import CurrentUser, ServicesDep

router = APIRouter(prefix="/api", tags=["procedure day"])


@router.post("/episodes/{episode_id}/procedure", status_code=201)
def start_procedure(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> ProcedureRecord:
    return procedure.start_procedure(services, user, StartProcedure(episode_id=episode_id))


@router.get("/episodes/{episode_id}/procedure")
def procedure_record(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> dict[str, Any]:
    """The record, the anaesthetic running total against the maximum, warnings, and the plan's threads
    (their values are defaults for the clinician to confirm when recording a placement)."""
    view = procedure.procedure_view(services, user, episode_id)
    if view.record is None:
        raise NotFound("the procedure has not started")
    return {"record": view.record, "dose": view.dose, "dose_warnings": view.dose_warnings,
            "thread_warnings": view.thread_warnings, "planned_threads": view.planned}


@router.post("/episodes/{episode_id}/procedure/checklist", status_code=201)
def checklist(episode_id: UUID, body: ChecklistTick, services: ServicesDep, user: CurrentUser) -> ProcedureRecord:
    return procedure.tick(services, user, TickChecklist(episode_id=episode_id, tick=body))


@router.post("/episodes/{episode_id}/procedure/injections", status_code=201)
def inject(episode_id: UUID, body: InjectionEntry, services: ServicesDep, user: CurrentUser) -> DoseStatus:
    """Record an injection. Over the maximum it is refused (409, with how much may still be given) unless it
    carries an override reason; then it is held (``held_for_confirmation``), not given, until a second
    clinician confirms it."""
    return procedure.inject(services, user, RecordInjection(episode_id=episode_id, injection=body))


@router.post("/episodes/{episode_id}/procedure/injections/held/{pending_id}/confirm")
def confirm_injection(episode_id: UUID, pending_id: UUID, services: ServicesDep, user: CurrentUser) -> DoseStatus:
    """A second clinician (not the one who proposed it) confirms a dose over the maximum (PRO-04)."""
    return procedure.confirm_injection(services, user, ConfirmInjection(episode_id=episode_id, pending_id=pending_id))


@router.delete("/episodes/{episode_id}/procedure/injections/held/{pending_id}", status_code=204)
def withdraw_injection(episode_id: UUID, pending_id: UUID, services: ServicesDep, user: CurrentUser) -> None:
    """A dose over the maximum not given after all."""
    procedure.withdraw_injection(services, user, ConfirmInjection(episode_id=episode_id, pending_id=pending_id))


@router.post("/episodes/{episode_id}/procedure/threads", status_code=201)
def thread(episode_id: UUID, body: ThreadPlacement, services: ServicesDep, user: CurrentUser) -> ThreadUse:
    """Record a thread as placed: every value is what was done (``anchored`` must be stated)."""
    return procedure.place_thread(services, user, PlaceThread(episode_id=episode_id, placement=body))


@router.post("/episodes/{episode_id}/procedure/events", status_code=201)
def event(episode_id: UUID, body: ProcedureEventEntry, services: ServicesDep, user: CurrentUser) -> Any:
    return procedure.record_event(services, user, RecordProcedureEvent(episode_id=episode_id, event=body))


@router.post("/episodes/{episode_id}/procedure/end")
def end_procedure(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> ProcedureRecord:
    return procedure.end_procedure(services, user, EndProcedure(episode_id=episode_id))


@router.post("/episodes/{episode_id}/observations", status_code=201)
def observe(episode_id: UUID, body: ObservationEntry, services: ServicesDep, user: CurrentUser) -> Any:
    return aftercare.observe(services, user, RecordObservation(episode_id=episode_id, observation=body))


@router.get("/episodes/{episode_id}/observations")
def observations(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    return episodes.clinical_episode(services, user, episode_id, "observations").observations


@router.post("/episodes/{episode_id}/discharge")
def discharge(episode_id: UUID, body: DischargeDecision, services: ServicesDep,
              user: CurrentUser) -> dict[str, list[FollowUp]]:
    return {"follow_ups": aftercare.discharge(services, user, Discharge(episode_id=episode_id, decision=body))}


@router.get("/aftercare/{version}")
def aftercare_sheet(version: str, user: CurrentUser) -> AftercareSheet:
    if version not in AFTERCARE_SHEETS:
        raise NotFound(f"no aftercare sheet {version}")
    return AFTERCARE_SHEETS[version]
