"""The read side: questions asked across patients, answered from the index tables that every episode
save rewrites (threads by lot, follow-ups by due date, adverse events by type and lot)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from threadlift.clinic.episode import Episode, State
from threadlift.clinic.followup import FollowUpStatus
from threadlift.clinic.registers import (
    FollowUpDue,
    NamedEpisode,
    PlannedEpisode,
    Recipient,
    RegisterEntry,
    RegisterFilter,
)
from threadlift.store.tables import (
    AdverseEventLotRow,
    AdverseEventRow,
    EpisodeRow,
    FollowUpRow,
    PatientRow,
    ThreadLotRow,
    ThreadUseRow,
)

_ACTIVE = (State.PROCEDURE.value, State.OBSERVATION.value)


class SqlRegisters:
    def __init__(self, session: Session) -> None:
        self.session = session

    def in_clinic(self, since: datetime, limit: int) -> list[NamedEpisode]:
        rows = self.session.execute(
            select(EpisodeRow.document, PatientRow.given_name, PatientRow.family_name)
            .join(PatientRow, PatientRow.id == EpisodeRow.patient_id)
            .where(or_(EpisodeRow.state.in_(_ACTIVE),
                       (EpisodeRow.state == State.DISCHARGED.value) & (EpisodeRow.updated_at >= since)))
            .order_by(EpisodeRow.updated_at.desc()).limit(limit)).all()
        return [NamedEpisode(Episode.model_validate(document), f"{given} {family}")
                for document, given, family in rows]

    def planned(self) -> list[PlannedEpisode]:
        rows = self.session.execute(
            select(EpisodeRow.id, EpisodeRow.patient_id, PatientRow.given_name, PatientRow.family_name)
            .join(PatientRow, PatientRow.id == EpisodeRow.patient_id)
            .where(EpisodeRow.state == State.PLANNED.value).order_by(EpisodeRow.updated_at.desc())).all()
        return [PlannedEpisode(UUID(e), UUID(p), f"{given} {family}") for e, p, given, family in rows]

    def follow_ups_due(self, today: date, until: date) -> list[FollowUpDue]:
        rows = self.session.execute(
            select(FollowUpRow, PatientRow.given_name, PatientRow.family_name)
            .join(PatientRow, PatientRow.id == FollowUpRow.patient_id)
            .where(FollowUpRow.status == FollowUpStatus.SCHEDULED.value, FollowUpRow.due_on <= until)
            .order_by(FollowUpRow.due_on)).all()
        return [FollowUpDue(UUID(r.episode_id), r.position, UUID(r.patient_id), f"{given} {family}", r.name, r.kind,
                            r.due_on, r.due_on < today) for r, given, family in rows]

    def lot_recipients(self, lot_number: str) -> list[Recipient]:
        """Every placement of threads from lots numbered ``lot_number`` (recall): one indexed query."""
        rows = self.session.execute(
            select(ThreadUseRow, PatientRow.given_name, PatientRow.family_name, PatientRow.date_of_birth)
            .join(ThreadLotRow, ThreadLotRow.id == ThreadUseRow.lot_id)
            .join(PatientRow, PatientRow.id == ThreadUseRow.patient_id)
            .where(ThreadLotRow.lot == lot_number).order_by(ThreadUseRow.placed_at)).all()
        return [Recipient(UUID(use.patient_id), f"{given} {family}", born, UUID(use.episode_id), use.area, use.side,
                          use.vector, use.placed_at) for use, given, family, born in rows]

    def adverse_events(self, scope: RegisterFilter) -> list[RegisterEntry]:
        linked: dict[str, list[tuple[str, str]]] = {}
        for event_id, lot_number, product in self.session.execute(
                select(AdverseEventLotRow.event_id, ThreadLotRow.lot, ThreadLotRow.product)
                .join(ThreadLotRow, ThreadLotRow.id == AdverseEventLotRow.lot_id)):
            linked.setdefault(event_id, []).append((lot_number, product))
        query = select(AdverseEventRow).order_by(AdverseEventRow.onset_on.desc())
        if scope.event_type:
            query = query.where(AdverseEventRow.type == scope.event_type)
        if scope.area:
            query = query.where(AdverseEventRow.area == scope.area)
        if scope.serious_only:
            query = query.where(AdverseEventRow.serious.is_(True))
        entries = []
        for row in self.session.execute(query).scalars():
            lots = linked.get(row.id, [])
            if scope.lot and scope.lot not in {number for number, _ in lots}:
                continue
            if scope.product and scope.product not in {product for _, product in lots}:
                continue
            entries.append(RegisterEntry(
                UUID(row.id), UUID(row.episode_id), UUID(row.patient_id), row.type, row.area, row.serious,
                row.onset_on, row.severity, row.clavien_dindo, row.tier, row.outcome,
                tuple(sorted({number for number, _ in lots})), tuple(sorted({product for _, product in lots}))))
        return entries

    def procedures(self, scope: RegisterFilter) -> int:
        return int(self.session.execute(_procedures_in(scope)).scalar_one())


def _procedures_in(scope: RegisterFilter) -> Select[int]:
    query = select(func.count(func.distinct(ThreadUseRow.episode_id))).join(
        ThreadLotRow, ThreadLotRow.id == ThreadUseRow.lot_id)
    if scope.lot:
        query = query.where(ThreadLotRow.lot == scope.lot)
    if scope.product:
        query = query.where(ThreadLotRow.product == scope.product)
    if scope.area:
        query = query.where(ThreadUseRow.area == scope.area)
    return query
