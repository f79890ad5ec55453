"""The day at a glance: procedures, patients in observation, follow-ups, serious events, expiring lots.

What each role sees follows its permissions: reception gets names, states and follow-up dates
only; serious adverse events and stock need the register and stock permissions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import or_, select

from threadlift.clinic.episode import Episode, State
from threadlift.clinic.roles import Permission, allowed
from threadlift.services import episodes, records
from threadlift.services.base import Services, record, require
from threadlift.store.tables import EpisodeRow, PatientRow
from threadlift.store.users import User

LIST_LIMIT = 25
SERIOUS_EVENTS_DAYS = 90


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
    follow_ups: list[episodes.FollowUpDue] = field(default_factory=list)
    serious_events: list[dict[str, Any]] | None = None
    expiring_lots: list[records.LotStock] | None = None
    expiry_warning_days: int = 60


def dashboard(svc: Services, actor: User) -> Dashboard:
    require(actor, Permission.EPISODE_STATUS_READ)
    now = svc.clock()
    today = now.date()
    clinical = allowed(actor.role, Permission.MEDICAL_READ)
    board = Dashboard(today=today, now=now, expiry_warning_days=svc.policy.lot_expiry_warning_days)
    start_of_day = datetime.combine(today, time.min, tzinfo=now.tzinfo)
    with svc.uow(logs_reads=True) as uow:
        active_states = [State.PROCEDURE.value, State.OBSERVATION.value]
        rows = uow.session.execute(
            select(EpisodeRow, PatientRow.given_name, PatientRow.family_name)
            .join(PatientRow, PatientRow.id == EpisodeRow.patient_id)
            .where(or_(EpisodeRow.state.in_(active_states),
                       (EpisodeRow.state == State.DISCHARGED.value) & (EpisodeRow.updated_at >= start_of_day)))
            .order_by(EpisodeRow.updated_at.desc()).limit(200)).all()
        for row, given, family in rows:
            episode = Episode.model_validate(row.document)
            item = _item(episode, f"{given} {family}", clinical)
            if episode.state is State.PROCEDURE:
                board.in_procedure.append(item)
            elif episode.state is State.OBSERVATION:
                board.in_observation.append(item)
            elif episode.procedure and episode.procedure.started_at.date() == today:
                board.done_today.append(item)
        planned = uow.session.execute(
            select(EpisodeRow.id, EpisodeRow.patient_id, PatientRow.given_name, PatientRow.family_name)
            .join(PatientRow, PatientRow.id == EpisodeRow.patient_id)
            .where(EpisodeRow.state == State.PLANNED.value).order_by(EpisodeRow.updated_at.desc())).all()
        board.planned_total = len(planned)
        board.planned = [ActiveEpisode(UUID(e), UUID(p), f"{g} {f}", State.PLANNED) for e, p, g, f in
                         planned[:LIST_LIMIT]]
        record(uow, svc, actor, "read", "dashboard", None, episodes=len(rows) + len(planned))
        uow.commit()
    board.in_observation.sort(key=lambda e: e.ended_at or now)
    if allowed(actor.role, Permission.FOLLOW_UP_SCHEDULE_READ):
        board.follow_ups = episodes.follow_ups_due(svc, actor, on=today)[:LIST_LIMIT * 2]
    if allowed(actor.role, Permission.REGISTER_READ) and clinical:
        since = today - timedelta(days=SERIOUS_EVENTS_DAYS)
        board.serious_events = [e for e in records.adverse_events(svc, actor, serious_only=True)
                                if date.fromisoformat(e["onset_on"]) >= since][:LIST_LIMIT]
    if allowed(actor.role, Permission.LOTS_READ):
        horizon = today + timedelta(days=svc.policy.lot_expiry_warning_days)
        board.expiring_lots = sorted((s for s in records.lots(svc, actor)
                                      if s.available > 0 and s.lot.expiry <= horizon),
                                     key=lambda s: s.lot.expiry)[:LIST_LIMIT]
    return board


def _item(episode: Episode, name: str, clinical: bool) -> ActiveEpisode:
    if not clinical or episode.procedure is None:
        return ActiveEpisode(episode.id, episode.patient_id, name, episode.state)
    record_ = episode.procedure
    return ActiveEpisode(episode.id, episode.patient_id, name, episode.state, record_.started_at, record_.ended_at,
                         len(record_.threads))
