"""The procedure day: start, checklist, local anaesthetic against the maximum, threads by lot as placed,
events, end. And the view of it that the procedure page and the API both show."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from threadlift.clinic import anaesthetic
from threadlift.clinic.anaesthetic import DoseStatus, Injection
from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import LotUnavailable
from threadlift.clinic.patient import Patient
from threadlift.clinic.policy import ClinicPolicy
from threadlift.clinic.procedure import ProcedureEvent, ProcedureRecord, ThreadUse
from threadlift.clinic.registers import LotStock
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.plan.model import Plan as PlanDocument
from threadlift.services.base import Services, require
from threadlift.services.commands import (
    ConfirmInjection,
    EndProcedure,
    PlaceThread,
    RecordInjection,
    RecordProcedureEvent,
    StartProcedure,
    TickChecklist,
)
from threadlift.services.episodes import change_episode, read_record
from threadlift.services.ports import UnitOfWork


@dataclass(frozen=True)
class PlannedThread:
    """A thread of the saved plan, offered as the defaults of a placement for the clinician to confirm."""

    id: str
    number: int
    area: str
    side: str
    design: str
    length_mm: float
    anchored: bool
    entry_to_exit_mm: float  # the planned path, entry to exit, mm
    vector: str  # entry and exit in the face frame, as the marking sheet numbers them


@dataclass(frozen=True)
class ProcedureView:
    episode: Episode
    patient: Patient
    record: ProcedureRecord | None
    dose: DoseStatus | None  # None until the patient's weight is recorded
    planned: list[PlannedThread]
    stock: list[LotStock]  # usable lots first, soonest expiry first; none once the procedure has ended

    @property
    def dose_warnings(self) -> list[str]:
        return self.episode.dose_warnings

    @property
    def thread_warnings(self) -> list[str]:
        return self.episode.thread_warnings


def start_procedure(svc: Services, actor: User, command: StartProcedure) -> ProcedureRecord:
    def change(uow: UnitOfWork, episode: Episode) -> ProcedureRecord:
        now = svc.clock()
        episode.start_procedure(uow.patients.get(episode.patient_id), svc.policy, actor.id, now, on=svc.date_of(now))
        assert episode.procedure is not None
        return episode.procedure

    return change_episode(svc, actor, command.episode_id, Permission.PROCEDURE_PERFORM, "procedure_start", change)


def tick(svc: Services, actor: User, command: TickChecklist) -> ProcedureRecord:
    def change(uow: UnitOfWork, episode: Episode) -> ProcedureRecord:
        episode.tick(command.tick, svc.clock(), actor.id)
        assert episode.procedure is not None
        return episode.procedure

    return change_episode(svc, actor, command.episode_id, Permission.PROCEDURE_ASSIST, "checklist", change,
                          item=command.tick.item.value)


def inject(svc: Services, actor: User, command: RecordInjection) -> DoseStatus:
    injection = Injection(**command.injection.model_dump(), at=svc.clock(), given_by=actor.id)

    def change(uow: UnitOfWork, episode: Episode) -> DoseStatus:
        return episode.inject(uow.patients.get(episode.patient_id), svc.policy, injection)

    return change_episode(svc, actor, command.episode_id, Permission.PROCEDURE_ASSIST, "injection", change,
                          mg=round(injection.mg, 1), override_proposed=bool(injection.override_reason))


def confirm_injection(svc: Services, actor: User, command: ConfirmInjection) -> DoseStatus:
    """PRO-04's hard stop passed: a second clinician confirms the override of a dose over the maximum."""
    def change(uow: UnitOfWork, episode: Episode) -> DoseStatus:
        return episode.confirm_injection(uow.patients.get(episode.patient_id), svc.policy, command.pending_id,
                                         actor.id, svc.clock())

    return change_episode(svc, actor, command.episode_id, Permission.OVERRIDE, "injection_confirm", change,
                          pending=str(command.pending_id))


def withdraw_injection(svc: Services, actor: User, command: ConfirmInjection) -> None:
    return change_episode(svc, actor, command.episode_id, Permission.PROCEDURE_ASSIST, "injection_withdraw",
                          lambda uow, e: e.withdraw_injection(command.pending_id), pending=str(command.pending_id))


def place_thread(svc: Services, actor: User, command: PlaceThread) -> ThreadUse:
    placement = command.placement

    def change(uow: UnitOfWork, episode: Episode) -> ThreadUse:
        lot = uow.lots.get(placement.lot_id)
        if uow.lots.used(lot.id) >= lot.quantity_received:
            raise LotUnavailable(f"lot {lot.lot} of {lot.product} is used up ({lot.quantity_received} received); "
                                 "receive more stock or choose another lot")
        now = svc.clock()
        return episode.place_thread(lot, placement, now, actor.id, on=svc.date_of(now))

    return change_episode(svc, actor, command.episode_id, Permission.PROCEDURE_ASSIST, "thread", change,
                          lot=str(placement.lot_id), planned=placement.planned_thread)


def record_event(svc: Services, actor: User, command: RecordProcedureEvent) -> ProcedureEvent:
    return change_episode(svc, actor, command.episode_id, Permission.PROCEDURE_ASSIST, "procedure_event",
                          lambda uow, e: e.record_event(command.event, svc.clock(), actor.id),
                          kind=command.event.kind.value)


def end_procedure(svc: Services, actor: User, command: EndProcedure) -> ProcedureRecord:
    def change(uow: UnitOfWork, episode: Episode) -> ProcedureRecord:
        episode.end_procedure(svc.clock(), actor.id)
        assert episode.procedure is not None
        return episode.procedure

    return change_episode(svc, actor, command.episode_id, Permission.PROCEDURE_PERFORM, "procedure_end", change)


def procedure_view(svc: Services, actor: User, episode_id: UUID) -> ProcedureView:
    require(actor, Permission.MEDICAL_READ)
    require(actor, Permission.LOTS_READ)
    today = svc.today()
    with svc.uow(logs_reads=True) as uow:
        found = read_record(uow, svc, actor, episode_id, "procedure")
        under_way = found.episode.procedure is not None and found.episode.procedure.ended_at is None
        # the lots to pick from, while threads may still be placed (every lot the clinic ever received)
        stock = sorted(uow.lots.all(), key=lambda s: (s.lot.expired_on(today), s.lot.expiry)) if under_way else []
        uow.commit()
    record = found.episode.procedure
    return ProcedureView(found.episode, found.patient, record, dose_of(found.patient, svc.policy, found.episode),
                         planned_threads(found.episode), stock)


def dose_of(patient: Patient, policy: ClinicPolicy, episode: Episode) -> DoseStatus | None:
    """The running total against this patient's maximum (injections recorded in error left out); None until
    a weight is on the record."""
    record = episode.procedure
    if record is None or (patient.weight_kg is None and patient.dosing_weight_kg is None):
        return None
    return anaesthetic.status(patient, policy, episode.given_injections(), record.topical_g)


def planned_threads(episode: Episode) -> list[PlannedThread]:
    document = episode.plan.marking_map if episode.plan else None
    if not document:
        return []
    plan = PlanDocument.model_validate(document)
    return [PlannedThread(t.id, i + 1, t.area, t.side.value, t.design, t.length_mm, t.anchored,
                          round(t.vector.length_mm), f"T{i + 1} entry ({t.vector.entry.x_mm:g}, "
                          f"{t.vector.entry.y_mm:g}) -> exit ({t.vector.exit.x_mm:g}, {t.vector.exit.y_mm:g}) mm")
            for i, t in enumerate(plan.threads)]
