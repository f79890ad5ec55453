"""Use cases along the pathway: each loads the episode, lets the domain decide, saves, audits, commits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import select

from threadlift.clinic.adverse import AdverseEvent
from threadlift.clinic.anaesthetic import DoseStatus, Injection
from threadlift.clinic.consultation import Consultation
from threadlift.clinic.discharge import Criterion, ObservationRecord
from threadlift.clinic.episode import Episode, Plan, State
from threadlift.clinic.errors import LotUnavailable
from threadlift.clinic.followup import FollowUp, FollowUpStatus
from threadlift.clinic.procedure import ChecklistItem, EventKind, Side, ThreadUse
from threadlift.clinic.roles import Permission, allowed
from threadlift.clinic.suitability import Override, SuitabilityResult
from threadlift.services.base import Services, record, require
from threadlift.store.tables import FollowUpRow, PatientRow
from threadlift.store.unit_of_work import UnitOfWork
from threadlift.store.users import User

T = TypeVar("T")


@dataclass(frozen=True)
class EpisodeStatus:
    """What a receptionist may see of an episode: no clinical content."""

    id: UUID
    patient_id: UUID
    state: State
    opened_at: datetime
    next_follow_up: date | None


def status_of(episode: Episode) -> EpisodeStatus:
    scheduled = [f.due_on for f in episode.follow_ups if f.status is FollowUpStatus.SCHEDULED]
    return EpisodeStatus(episode.id, episode.patient_id, episode.state, episode.opened_at,
                         min(scheduled) if scheduled else None)


def open_episode(svc: Services, actor: User, patient_id: UUID) -> Episode:
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    with svc.uow() as uow:
        uow.patients.get(patient_id)
        episode = Episode(patient_id=patient_id, opened_at=svc.clock())
        uow.episodes.add(episode)
        record(uow, svc, actor, "create", "episode", episode.id)
        uow.commit()
        return episode


def episodes_of(svc: Services, actor: User, patient_id: UUID) -> list[Episode] | list[EpisodeStatus]:
    """Full episodes for clinical staff; states and dates only for reception."""
    require(actor, Permission.EPISODE_STATUS_READ)
    with svc.uow(logs_reads=True) as uow:
        uow.patients.get(patient_id)
        episodes = uow.episodes.for_patient(patient_id)
        if not _may(actor, Permission.MEDICAL_READ):
            return [status_of(e) for e in episodes]
        record(uow, svc, actor, "read", "episode", None, patient=str(patient_id), count=len(episodes))
        uow.commit()
        return episodes


def get_episode(svc: Services, actor: User, episode_id: UUID) -> Episode | EpisodeStatus:
    require(actor, Permission.EPISODE_STATUS_READ)
    with svc.uow(logs_reads=True) as uow:
        episode = uow.episodes.get(episode_id)
        if not _may(actor, Permission.MEDICAL_READ):
            return status_of(episode)
        record(uow, svc, actor, "read", "episode", episode_id)
        uow.commit()
        return episode


def clinical_episode(svc: Services, actor: User, episode_id: UUID, part: str) -> Episode:
    """The full episode, for reading one clinical part of it; reception is refused (audited as a read)."""
    require(actor, Permission.MEDICAL_READ)
    with svc.uow(logs_reads=True) as uow:
        episode = uow.episodes.get(episode_id)
        record(uow, svc, actor, "read", "episode", episode_id, part=part)
        uow.commit()
        return episode


def _may(actor: User, permission: Permission) -> bool:
    return allowed(actor.role, permission)


def _apply(svc: Services, actor: User, episode_id: UUID, permission: Permission, action: str,
           change: Callable[[UnitOfWork, Episode], T], **detail: object) -> T:
    """Load the episode, let the domain change it, save, audit and commit, in one transaction."""
    require(actor, permission)
    with svc.uow() as uow:
        episode = uow.episodes.get(episode_id)
        result = change(uow, episode)
        uow.episodes.save(episode)
        record(uow, svc, actor, action, "episode", episode_id, state=episode.state.value, **detail)
        uow.commit()
    return result


def _returning(value: T, effect: Callable[[Episode], object]) -> Callable[[UnitOfWork, Episode], T]:
    """A change that applies ``effect`` to the episode and gives back ``value``."""
    def change(uow: UnitOfWork, episode: Episode) -> T:
        effect(episode)
        return value

    return change


def _episode_after(effect: Callable[[Episode], object]) -> Callable[[UnitOfWork, Episode], Episode]:
    def change(uow: UnitOfWork, episode: Episode) -> Episode:
        effect(episode)
        return episode

    return change


def record_consultation(svc: Services, actor: User, episode_id: UUID, fields: dict[str, Any]) -> Consultation:
    consultation = Consultation.model_validate({**fields, "clinician_id": actor.id})
    return _apply(svc, actor, episode_id, Permission.MEDICAL_WRITE, "consultation",
                  _returning(consultation, lambda e: e.record_consultation(consultation)))


def decide_suitability(svc: Services, actor: User, episode_id: UUID) -> SuitabilityResult:
    def change(uow: UnitOfWork, episode: Episode) -> SuitabilityResult:
        patient = uow.patients.get(episode.patient_id)
        now = svc.clock()
        return episode.assess(patient, svc.policy, now.date(), now, actor.id)

    return _apply(svc, actor, episode_id, Permission.SUITABILITY_DECIDE, "suitability", change)


def override_finding(svc: Services, actor: User, episode_id: UUID, rule: str, reason: str) -> Override:
    return _apply(svc, actor, episode_id, Permission.OVERRIDE, "override",
                  lambda uow, e: e.override(rule, reason, actor.id, svc.clock()), rule=rule)


def sign_consent(svc: Services, actor: User, episode_id: UUID, *, procedure_type: str, document_version: str,
                 typed_name: str, signature_png_base64: str, client_address: str) -> Any:
    def change(uow: UnitOfWork, episode: Episode) -> Any:
        document = uow.consents.document(procedure_type, document_version)
        return episode.sign_consent(document, typed_name=typed_name, signature_png_base64=signature_png_base64,
                                    signed_at=svc.clock(), client_address=client_address, taken_by=actor.id)

    return _apply(svc, actor, episode_id, Permission.CONSENT_TAKE, "consent", change,
                  document_version=document_version)


def record_plan(svc: Services, actor: User, episode_id: UUID, areas: list[str], note: str,
                marking_map: dict[str, Any] | None = None) -> Plan:
    """Record the plan; a marking map must come checked by :mod:`threadlift.services.planning`."""
    plan = Plan.model_validate({"areas": areas, "note": note, "planned_by": actor.id, "planned_at": svc.clock(),
                                "marking_map": marking_map})
    return _apply(svc, actor, episode_id, Permission.MEDICAL_WRITE, "plan",
                  _returning(plan, lambda e: e.record_plan(plan)))


def start_procedure(svc: Services, actor: User, episode_id: UUID) -> Episode:
    def change(uow: UnitOfWork, episode: Episode) -> Episode:
        episode.start_procedure(uow.patients.get(episode.patient_id), svc.policy, actor.id, svc.clock())
        return episode

    return _apply(svc, actor, episode_id, Permission.PROCEDURE_PERFORM, "procedure_start", change)


def tick(svc: Services, actor: User, episode_id: UUID, item: ChecklistItem, amount_g: float | None = None) -> Episode:
    return _apply(svc, actor, episode_id, Permission.PROCEDURE_ASSIST, "checklist",
                  _episode_after(lambda e: e.tick(item, svc.clock(), actor.id, amount_g)), item=item.value)


def inject(svc: Services, actor: User, episode_id: UUID, fields: dict[str, Any]) -> DoseStatus:
    injection = Injection.model_validate({**fields, "at": svc.clock(), "given_by": actor.id})

    def change(uow: UnitOfWork, episode: Episode) -> DoseStatus:
        return episode.inject(uow.patients.get(episode.patient_id), svc.policy, injection)

    return _apply(svc, actor, episode_id, Permission.PROCEDURE_ASSIST, "injection", change,
                  mg=round(injection.mg, 1), overridden=bool(injection.override_reason))


def place_thread(svc: Services, actor: User, episode_id: UUID, *, lot_id: UUID, area: str, side: Side, vector: str,
                 anchored: bool = False, entry_to_exit_mm: float | None = None) -> ThreadUse:
    def change(uow: UnitOfWork, episode: Episode) -> ThreadUse:
        lot = uow.lots.get(lot_id)
        if uow.lots.used(lot_id) >= lot.quantity_received:
            raise LotUnavailable(f"lot {lot.lot} of {lot.product} is used up ({lot.quantity_received} received); "
                                 "receive more stock or choose another lot")
        return episode.place_thread(lot, area=area, side=side, vector=vector, at=svc.clock(), by=actor.id,
                                    anchored=anchored, entry_to_exit_mm=entry_to_exit_mm)

    return _apply(svc, actor, episode_id, Permission.PROCEDURE_ASSIST, "thread", change, lot=str(lot_id))


def record_event(svc: Services, actor: User, episode_id: UUID, kind: EventKind, note: str | None) -> Episode:
    return _apply(svc, actor, episode_id, Permission.PROCEDURE_ASSIST, "procedure_event",
                  _episode_after(lambda e: e.record_event(kind, svc.clock(), actor.id, note)), kind=kind.value)


def end_procedure(svc: Services, actor: User, episode_id: UUID) -> Episode:
    return _apply(svc, actor, episode_id, Permission.PROCEDURE_PERFORM, "procedure_end",
                  _episode_after(lambda e: e.end_procedure(svc.clock(), actor.id)))


def observe(svc: Services, actor: User, episode_id: UUID, fields: dict[str, Any]) -> ObservationRecord:
    observation = ObservationRecord.model_validate({**fields, "at": svc.clock(), "by": actor.id})
    return _apply(svc, actor, episode_id, Permission.PROCEDURE_ASSIST, "observation",
                  _returning(observation, lambda e: e.observe(observation)))


def discharge(svc: Services, actor: User, episode_id: UUID, criteria: dict[Criterion, bool],
              aftercare_version: str) -> list[FollowUp]:
    return _apply(svc, actor, episode_id, Permission.DISCHARGE, "discharge",
                  lambda uow, e: e.discharge_patient(svc.policy, criteria, aftercare_version, svc.clock(), actor.id))


def complete_follow_up(svc: Services, actor: User, episode_id: UUID, index: int, status: FollowUpStatus,
                       note: str | None) -> FollowUp:
    return _apply(svc, actor, episode_id, Permission.FOLLOW_UP_WRITE, "follow_up",
                  lambda uow, e: e.complete_follow_up(index, status, svc.clock(), actor.id, note), index=index)


def add_adverse_event(svc: Services, actor: User, episode_id: UUID, fields: dict[str, Any]) -> AdverseEvent:
    event = AdverseEvent.model_validate({**fields, "recorded_by": actor.id})
    return _apply(svc, actor, episode_id, Permission.ADVERSE_WRITE, "adverse_event",
                  _returning(event, lambda e: e.add_adverse_event(event)), type=event.type.value,
                  serious=event.serious)


def cancel(svc: Services, actor: User, episode_id: UUID, reason: str) -> Episode:
    return _apply(svc, actor, episode_id, Permission.MEDICAL_WRITE, "cancel",
                  _episode_after(lambda e: e.cancel(svc.clock(), actor.id, reason)))


def close(svc: Services, actor: User, episode_id: UUID, reason: str | None) -> Episode:
    return _apply(svc, actor, episode_id, Permission.MEDICAL_WRITE, "close",
                  _episode_after(lambda e: e.close(svc.clock(), actor.id, reason)))


@dataclass(frozen=True)
class FollowUpDue:
    episode_id: UUID
    position: int
    patient_id: UUID
    patient_name: str
    name: str
    kind: str
    due_on: date
    overdue: bool


def follow_ups_due(svc: Services, actor: User, *, on: date | None = None, within_days: int = 7) -> list[FollowUpDue]:
    """Scheduled follow-ups that are overdue or due within ``within_days`` (reception may see these)."""
    require(actor, Permission.FOLLOW_UP_SCHEDULE_READ)
    today = on or svc.clock().date()
    with svc.uow() as uow:
        rows = uow.session.execute(
            select(FollowUpRow, PatientRow.given_name, PatientRow.family_name)
            .join(PatientRow, PatientRow.id == FollowUpRow.patient_id)
            .where(FollowUpRow.status == FollowUpStatus.SCHEDULED.value,
                   FollowUpRow.due_on <= today + timedelta(days=within_days))
            .order_by(FollowUpRow.due_on)).all()
        return [FollowUpDue(UUID(r.episode_id), r.position, UUID(r.patient_id), f"{given} {family}", r.name, r.kind,
                            r.due_on, r.due_on < today) for r, given, family in rows]
