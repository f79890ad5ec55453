"""The read side: questions asked across patients, answered from the index tables that every episode
save rewrites (threads by lot, follow-ups by due date, adverse events by type and lot)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from functools import cache
from uuid import UUID

from sqlalchemy import Select, bindparam, delete, func, or_, select
from sqlalchemy.orm import Session

from threadlift.clinic.episode import State
from threadlift.clinic.followup import FollowUpStatus
from threadlift.clinic.patient import Patient
from threadlift.clinic.registers import (
    FollowUpDue,
    NamedEpisode,
    PlannedEpisode,
    Recipient,
    RegisterEntry,
    RegisterFilter,
)
from threadlift.outcomes.records import (
    AreaLift,
    Complication,
    EffectFollowUp,
    GaisScore,
    LiftReading,
    OutcomeRecords,
    ProcedureDone,
    ThreadPlaced,
)
from threadlift.store.tables import (
    AdverseEventLotRow,
    AdverseEventRow,
    EpisodeRow,
    FollowUpLiftRow,
    FollowUpRow,
    GaisRatingRow,
    PatientRow,
    PhotoRow,
    ThreadLotRow,
    ThreadUseRow,
)

_ACTIVE = (State.PROCEDURE.value, State.OBSERVATION.value)

# The day's board runs these on every view: built once (with bind parameters), a statement's construction
# and cache key cost SQLAlchemy more than SQLite takes to answer it.
_THREADS_PLACED = (select(func.count(ThreadUseRow.id)).where(ThreadUseRow.episode_id == EpisodeRow.id)
                   .correlate(EpisodeRow).scalar_subquery())
_IN_CLINIC = (
    select(EpisodeRow.id, EpisodeRow.patient_id, EpisodeRow.state, EpisodeRow.procedure_started_at,
           EpisodeRow.procedure_ended_at, _THREADS_PLACED, PatientRow.given_name, PatientRow.family_name)
    .join(PatientRow, PatientRow.id == EpisodeRow.patient_id)
    .where(or_(EpisodeRow.state.in_(_ACTIVE),
               (EpisodeRow.state == State.DISCHARGED.value) & (EpisodeRow.updated_at >= bindparam("since"))))
    .order_by(EpisodeRow.updated_at.desc()).limit(bindparam("limit")))
_PLANNED = (select(EpisodeRow.id, EpisodeRow.patient_id, PatientRow.given_name, PatientRow.family_name)
            .join(PatientRow, PatientRow.id == EpisodeRow.patient_id)
            .where(EpisodeRow.state == State.PLANNED.value).order_by(EpisodeRow.updated_at.desc()))
_FOLLOW_UPS_DUE = (select(FollowUpRow, PatientRow.given_name, PatientRow.family_name)
                   .join(PatientRow, PatientRow.id == FollowUpRow.patient_id)
                   .where(FollowUpRow.status == FollowUpStatus.SCHEDULED.value,
                          FollowUpRow.due_on <= bindparam("until"))
                   .order_by(FollowUpRow.due_on))


class SqlRegisters:
    def __init__(self, session: Session) -> None:
        self.session = session

    def in_clinic(self, since: datetime, limit: int) -> list[NamedEpisode]:
        rows = self.session.execute(_IN_CLINIC, {"since": since, "limit": limit}).all()
        return [NamedEpisode(UUID(episode), UUID(patient), Patient.name_shown(given, family), State(state), started,
                             ended, threads)
                for episode, patient, state, started, ended, threads, given, family in rows]

    def planned(self) -> list[PlannedEpisode]:
        rows = self.session.execute(_PLANNED).all()
        return [PlannedEpisode(UUID(e), UUID(p), Patient.name_shown(given, family)) for e, p, given, family in rows]

    def follow_ups_due(self, today: date, until: date) -> list[FollowUpDue]:
        rows = self.session.execute(_FOLLOW_UPS_DUE, {"until": until}).all()
        return [FollowUpDue(UUID(r.episode_id), r.position, UUID(r.patient_id), Patient.name_shown(given, family),
                            r.name, r.kind, r.due_on, r.due_on < today) for r, given, family in rows]

    def lot_recipients(self, lot_number: str) -> list[Recipient]:
        """Every placement of threads from lots numbered ``lot_number`` (recall): one indexed query."""
        rows = self.session.execute(
            select(ThreadUseRow, PatientRow.given_name, PatientRow.family_name, PatientRow.date_of_birth)
            .join(ThreadLotRow, ThreadLotRow.id == ThreadUseRow.lot_id)
            .join(PatientRow, PatientRow.id == ThreadUseRow.patient_id)
            .where(func.lower(ThreadLotRow.lot) == lot_number.lower()).order_by(ThreadUseRow.placed_at)).all()
        return [Recipient(UUID(use.patient_id), Patient.name_shown(given, family), born, UUID(use.episode_id), use.area,
                          use.side, use.vector, _aware(use.placed_at)) for use, given, family, born in rows]

    def adverse_events(self, scope: RegisterFilter) -> list[RegisterEntry]:
        events_query, links_query = _event_queries(bool(scope.event_type), bool(scope.area), scope.serious_only,
                                                   scope.onset_from is not None)
        given = {"event_type": scope.event_type, "area": scope.area, "onset_from": scope.onset_from}
        events = list(self.session.execute(events_query, given).scalars())
        linked: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for event_id, lot_number, product in self.session.execute(links_query, given):
            linked[event_id].append((lot_number, product))  # the lots of these events only, not of every event
        entries = []
        for row in events:
            lots = linked.get(row.id, [])
            if scope.lot and scope.lot.lower() not in {number.lower() for number, _ in lots}:
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

    def record_lifts(self, lifts: list[AreaLift], measured_at: datetime) -> None:
        """Keep what a comparison measured, replacing an earlier measurement of the same follow-up photo by the
        same engine version; another engine version's measurement of it stays beside (``batch compare``)."""
        for photo, engine in {(lift.after_photo_id, lift.engine_version) for lift in lifts}:
            self.session.execute(delete(FollowUpLiftRow).where(FollowUpLiftRow.after_photo_id == photo,
                                                               FollowUpLiftRow.engine_version == engine))
        self.session.add_all([FollowUpLiftRow(
            after_photo_id=x.after_photo_id, area=x.area, side=x.side, before_photo_id=x.before_photo_id,
            episode_id=x.episode_id, patient_id=x.patient_id, days_after_procedure=x.day, lift_mm=x.lift_mm,
            uncertainty_mm=x.uncertainty_mm, engine_version=x.engine_version, measured_at=measured_at) for x in lifts])
        self.session.flush()

    def lifted_pairs(self, engine_version: str) -> set[tuple[str, str]]:
        """(baseline, follow-up) photo ids of the pairs whose lifts ``engine_version`` measured."""
        return {(before, after) for before, after in self.session.execute(
            select(FollowUpLiftRow.before_photo_id, FollowUpLiftRow.after_photo_id).distinct()
            .where(FollowUpLiftRow.engine_version == engine_version))}

    def outcome_records(self) -> OutcomeRecords:
        """What the outcome statistics read (issue 18), from the index tables in six queries: threads placed
        with their lots, who performed each procedure, adverse events with their lots, GAIS ratings at
        their follow-ups, the patient's reports of the effect, and the lifts measured at follow-ups."""
        threads: dict[str, list[ThreadPlaced]] = defaultdict(list)
        patients: dict[str, str] = {}
        started: dict[str, datetime] = {}
        for episode, patient, area, design, material, lot, placed in self.session.execute(
                select(ThreadUseRow.episode_id, ThreadUseRow.patient_id, ThreadUseRow.area, ThreadLotRow.design,
                       ThreadLotRow.material, ThreadLotRow.lot, ThreadUseRow.placed_at)
                .join(ThreadLotRow, ThreadLotRow.id == ThreadUseRow.lot_id).order_by(ThreadUseRow.id)):
            threads[episode].append(ThreadPlaced(area, design, material, lot))
            patients[episode] = patient
            started[episode] = min(started.get(episode, placed), placed)
        performer = EpisodeRow.document["procedure"]["performer_id"].as_string()
        performers: dict[str, str | None] = dict(self.session.execute(
            select(EpisodeRow.id, performer).where(EpisodeRow.id.in_(list(threads)))).all()) if threads else {}
        procedures = tuple(ProcedureDone(patients[e], e, performers.get(e) or "unknown", tuple(dict.fromkeys(placed)))
                           for e, placed in threads.items())
        lots: dict[str, list[str]] = defaultdict(list)
        for event_id, lot_number in self.session.execute(
                select(AdverseEventLotRow.event_id, ThreadLotRow.lot)
                .join(ThreadLotRow, ThreadLotRow.id == AdverseEventLotRow.lot_id)):
            lots[event_id].append(lot_number)
        complications = tuple(Complication(r.patient_id, r.episode_id, r.type, r.clavien_dindo, r.area,
                                           tuple(sorted(lots.get(r.id, ()))))
                              for r in self.session.execute(select(AdverseEventRow)).scalars())
        gais = tuple(GaisScore(patient, episode, name, position, rater, score) for patient, episode, name, position,
                     rater, score in self.session.execute(
                         select(GaisRatingRow.patient_id, GaisRatingRow.episode_id, FollowUpRow.name,
                                GaisRatingRow.position, GaisRatingRow.rater, GaisRatingRow.standard_score)
                         .join(FollowUpRow, (FollowUpRow.episode_id == GaisRatingRow.episode_id)
                               & (FollowUpRow.position == GaisRatingRow.position))))
        effects = tuple(
            EffectFollowUp(patient, episode, max((_aware(done) - _aware(started[episode])).days, 0), bool(noticeable),
                           lost)  # done is not None: the query asks for completed follow-ups
            for patient, episode, done, noticeable, lost in self.session.execute(
                select(FollowUpRow.patient_id, FollowUpRow.episode_id, FollowUpRow.completed_at,
                       FollowUpRow.effect_noticeable, FollowUpRow.effect_lost_after_days)
                .where(FollowUpRow.effect_noticeable.is_not(None), FollowUpRow.completed_at.is_not(None)))
            if episode in started)
        return OutcomeRecords(self._lifts(threads), procedures, complications, gais, effects)

    def _lifts(self, threads: dict[str, list[ThreadPlaced]]) -> tuple[LiftReading, ...]:
        """Each area's lift at each follow-up photo, by the engine version that measured that photo last (a
        photo measured by several is counted once; of two at the same instant, the later version in text order, as
        migration 0012's downgrade keeps them): the mean of the sides measured, the larger ±."""
        in_error = select(PhotoRow.id).where(PhotoRow.entered_in_error.is_not(None))  # never counted (issue 14)
        rows = list(self.session.execute(
            select(FollowUpLiftRow).where(FollowUpLiftRow.after_photo_id.not_in(in_error),
                                          FollowUpLiftRow.before_photo_id.not_in(in_error))
            .order_by(FollowUpLiftRow.measured_at, FollowUpLiftRow.engine_version)).scalars())
        latest = {row.after_photo_id: row.engine_version for row in rows}  # the last measured wins
        sides: dict[tuple[str, str], list[FollowUpLiftRow]] = defaultdict(list)
        for row in rows:
            if latest[row.after_photo_id] == row.engine_version:
                sides[(row.after_photo_id, row.area)].append(row)
        readings = []
        for (_, area), rows in sides.items():
            first = rows[0]
            placed = [t for t in threads.get(first.episode_id, []) if t.area == area]
            readings.append(LiftReading(
                first.patient_id, first.episode_id, area, first.days_after_procedure,
                sum(r.lift_mm for r in rows) / len(rows), max(r.uncertainty_mm for r in rows),
                tuple(sorted({t.design for t in placed})), tuple(sorted({t.material for t in placed}))))
        return tuple(readings)


@cache
def _event_queries(by_type: bool, by_area: bool, serious_only: bool,
                   since: bool) -> tuple[Select[AdverseEventRow], Select[str, str, str]]:
    """The events a register's filter selects (newest onset first) and their lots, built once per kind of
    filter, its values bound when run (``event_type``, ``area``, ``onset_from``)."""
    events = select(AdverseEventRow).order_by(AdverseEventRow.onset_on.desc())
    if by_type:
        events = events.where(AdverseEventRow.type == bindparam("event_type"))
    if by_area:
        events = events.where(AdverseEventRow.area == bindparam("area"))
    if serious_only:
        events = events.where(AdverseEventRow.serious.is_(True))
    if since:
        events = events.where(AdverseEventRow.onset_on >= bindparam("onset_from"))
    selected = events.with_only_columns(AdverseEventRow.id).order_by(None).subquery()
    links = (select(AdverseEventLotRow.event_id, ThreadLotRow.lot, ThreadLotRow.product)
             .join(ThreadLotRow, ThreadLotRow.id == AdverseEventLotRow.lot_id)
             .where(AdverseEventLotRow.event_id.in_(select(selected))))
    return events, links


def _aware(moment: datetime | None) -> datetime:
    """SQLite gives back naive datetimes for the UTC ones it was given."""
    from datetime import UTC

    if moment is None:
        raise ValueError("a follow-up without its time")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _procedures_in(scope: RegisterFilter) -> Select[int]:
    query = select(func.count(func.distinct(ThreadUseRow.episode_id))).join(
        ThreadLotRow, ThreadLotRow.id == ThreadUseRow.lot_id)
    if scope.lot:
        query = query.where(func.lower(ThreadLotRow.lot) == scope.lot.lower())
    if scope.product:
        query = query.where(ThreadLotRow.product == scope.product)
    if scope.area:
        query = query.where(ThreadUseRow.area == scope.area)
    return query
