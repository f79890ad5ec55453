"""The day at a glance: procedures, patients in observation, follow-ups, serious events, expiring lots.

What each role sees follows its permissions: reception gets names, states and follow-up dates
only; serious adverse events and stock need the register and stock permissions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from threadlift.clinic.episode import State
from threadlift.clinic.registers import FollowUpDue, LotStock, NamedEpisode, RegisterEntry, RegisterFilter
from threadlift.clinic.roles import Permission, allowed
from threadlift.clinic.staff import User
from threadlift.services.appointments import DiaryEntry, diary_of
from threadlift.services.base import Services, record, require

LIST_LIMIT = 25
IN_CLINIC_LIMIT = 200
SERIOUS_EVENTS_DAYS = 90
FOLLOW_UPS_WITHIN_DAYS = 7


@dataclass(frozen=True)
class ActiveEpisode:
    episode_id: UUID
    patient_id: UUID
    patient_name: str
    state: State
    started_at: datetime | None = None  # procedure start (clinical staff only)
    ended_at: datetime | None = None
    threads: int | None = None


@dataclass
class Dashboard:
    today: date
    now: datetime
    in_procedure: list[ActiveEpisode] = field(default_factory=list)
    done_today: list[ActiveEpisode] = field(default_factory=list)
    planned: list[ActiveEpisode] = field(default_factory=list)
    planned_total: int = 0
    in_observation: list[ActiveEpisode] = field(default_factory=list)
    follow_ups: list[FollowUpDue] = field(default_factory=list)
    appointments: list[DiaryEntry] | None = None  # today's diary (reception and the clinical team)
    serious_events: list[RegisterEntry] | None = None
    expiring_lots: list[LotStock] | None = None
    expiry_warning_days: int = 60


def dashboard(svc: Services, actor: User) -> Dashboard:
    """The board for ``actor``, read in one unit of work (one audit row for what it disclosed)."""
    require(actor, Permission.EPISODE_STATUS_READ)
    now = svc.clock()
    today = svc.date_of(now)
    clinical = allowed(actor.role, Permission.MEDICAL_READ)
    board = Dashboard(today=today, now=now, expiry_warning_days=svc.policy.lot_expiry_warning_days)
    with svc.uow(logs_reads=True) as uow:
        in_clinic = uow.registers.in_clinic(svc.start_of(today), IN_CLINIC_LIMIT)
        _place(svc, board, in_clinic, clinical)
        planned = uow.registers.planned()
        board.planned_total = len(planned)
        board.planned = [ActiveEpisode(p.episode_id, p.patient_id, p.patient_name, State.PLANNED)
                         for p in planned[:LIST_LIMIT]]
        if allowed(actor.role, Permission.FOLLOW_UP_SCHEDULE_READ):
            due = today + timedelta(days=FOLLOW_UPS_WITHIN_DAYS)
            board.follow_ups = uow.registers.follow_ups_due(today, due)[:LIST_LIMIT * 2]
        if allowed(actor.role, Permission.DIARY_READ):
            board.appointments = diary_of(uow, svc, today, 1)
        if allowed(actor.role, Permission.REGISTER_READ) and clinical:
            since = today - timedelta(days=SERIOUS_EVENTS_DAYS)
            board.serious_events = uow.registers.adverse_events(
                RegisterFilter(serious_only=True, onset_from=since))[:LIST_LIMIT]
        if allowed(actor.role, Permission.LOTS_READ):
            horizon = today + timedelta(days=svc.policy.lot_expiry_warning_days)
            board.expiring_lots = uow.lots.expiring(horizon, LIST_LIMIT)
        record(uow, svc, actor, "read", "dashboard", None, episodes=len(in_clinic) + len(planned),
               serious_events=len(board.serious_events or []), appointments=len(board.appointments or []))
        uow.commit()
    return board


def _place(svc: Services, board: Dashboard, in_clinic: list[NamedEpisode], clinical: bool) -> None:
    for episode in in_clinic:
        item = _item(episode, clinical)
        if episode.state is State.PROCEDURE:
            board.in_procedure.append(item)
        elif episode.state is State.OBSERVATION:
            board.in_observation.append(item)
        elif episode.procedure_started_at and svc.date_of(episode.procedure_started_at) == board.today:
            board.done_today.append(item)
    board.in_observation.sort(key=lambda e: e.ended_at or board.now)


def _item(episode: NamedEpisode, clinical: bool) -> ActiveEpisode:
    if not clinical or episode.procedure_started_at is None:
        return ActiveEpisode(episode.episode_id, episode.patient_id, episode.patient_name, episode.state)
    return ActiveEpisode(episode.episode_id, episode.patient_id, episode.patient_name, episode.state,
                         episode.procedure_started_at, episode.procedure_ended_at, episode.threads_placed)
