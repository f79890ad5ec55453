"""In-memory fakes of the storage ports (``threadlift.services.ports``): the use cases run on them
without a database, so their tests take milliseconds. They keep the contracts the use cases rely on
(NotFound for unknown ids, RecordLocked for a stale save, rollback unless committed) and nothing more;
the store's own tests check the real adapters on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from tests.helpers.records import Clock
from threadlift.clinic.appointments import Appointment, AppointmentStatus
from threadlift.clinic.consent import ConsentDocument, PhotoConsent
from threadlift.clinic.corrections import InError
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.errors import NotFound, RecordLocked
from threadlift.clinic.followup import FollowUpStatus
from threadlift.clinic.patient import Patient
from threadlift.clinic.photos import PhotoRecord, PhotoStage, StagedPhoto
from threadlift.clinic.registers import (
    FollowUpDue,
    LotStock,
    NamedEpisode,
    PlannedEpisode,
    Recipient,
    RegisterEntry,
    RegisterFilter,
)
from threadlift.clinic.roles import Role
from threadlift.clinic.staff import User
from threadlift.clinic.threads import ThreadLot
from threadlift.config import Settings
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
from threadlift.services.base import Services
from threadlift.store.audit import AuditEntry, AuditProblem
from threadlift.store.repository import folded, name_tokens


@dataclass
class Database:
    """What the fakes hold between units of work (the "database")."""

    patients: dict[UUID, Patient] = field(default_factory=dict)
    episodes: dict[UUID, tuple[Episode, int]] = field(default_factory=dict)
    lots: dict[UUID, ThreadLot] = field(default_factory=dict)
    documents: list[ConsentDocument] = field(default_factory=list)
    photo_consents: dict[UUID, tuple[UUID, PhotoConsent]] = field(default_factory=dict)
    photos: dict[UUID, PhotoRecord] = field(default_factory=dict)
    users: dict[str, tuple[User, str]] = field(default_factory=dict)  # id -> (user, password digest)
    sessions: dict[str, tuple[str, datetime, datetime]] = field(default_factory=dict)  # token -> user, seen, ends
    audit: list[AuditEntry] = field(default_factory=list)
    # (after photo, area, side, engine version), in the order measured
    lifts: dict[tuple[str, str, str, str], AreaLift] = field(default_factory=dict)
    appointments: dict[UUID, Appointment] = field(default_factory=dict)


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()  # a fake: the store uses argon2


class FakePatients:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, patient: Patient) -> None:
        self.db.patients[patient.id] = patient

    def get(self, patient_id: UUID | str) -> Patient:
        found = self.db.patients.get(UUID(str(patient_id)))
        if found is None:
            raise NotFound(f"no patient {patient_id}")
        return found

    def update(self, patient: Patient) -> None:
        self.db.patients[patient.id] = patient

    def ids(self) -> list[str]:
        return sorted(str(patient_id) for patient_id in self.db.patients)

    def display_names(self, patient_ids: Collection[UUID]) -> dict[UUID, str]:
        return {i: self.get(i).display_name for i in patient_ids}

    def search(self, text: str, *, limit: int = 50, offset: int = 0) -> tuple[list[Patient], int]:
        words = folded(text).split()

        def matches(p: Patient) -> bool:
            tokens = name_tokens(f"{p.family_name} {p.given_name}".lower())
            return all(any(t.startswith(w) for t in tokens) or w == p.date_of_birth.isoformat() for w in words)

        found = sorted((p for p in self.db.patients.values() if matches(p)),
                       key=lambda p: (f"{p.family_name} {p.given_name}".lower(), str(p.id)))
        return found[offset:offset + limit], len(found)


class FakeEpisodes:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.read: dict[UUID, int] = {}

    def add(self, episode: Episode) -> None:
        self.db.episodes[episode.id] = (episode.model_copy(deep=True), 1)
        self.read[episode.id] = 1

    def get(self, episode_id: UUID | str) -> Episode:
        return self.get_with_version(episode_id)[0]

    def get_with_version(self, episode_id: UUID | str) -> tuple[Episode, int]:
        key = UUID(str(episode_id))
        if key not in self.db.episodes:
            raise NotFound(f"no episode {episode_id}")
        episode, version = self.db.episodes[key]
        self.read[key] = version
        return episode.model_copy(deep=True), version

    def for_patient(self, patient_id: UUID | str) -> list[Episode]:
        return sorted((e.model_copy(deep=True) for e, _ in self.db.episodes.values()
                       if e.patient_id == UUID(str(patient_id))), key=lambda e: e.opened_at)

    def save(self, episode: Episode, *, expected_version: int | None = None) -> None:
        version = expected_version if expected_version is not None else self.read.get(episode.id)
        if version is None:
            raise RuntimeError("save() of an episode that was not read in this unit of work")
        if self.db.episodes[episode.id][1] != version:
            raise RecordLocked("this episode was changed by someone else meanwhile; reload it and try again",
                               rule="concurrent_change")
        self.db.episodes[episode.id] = (episode.model_copy(deep=True), version + 1)
        self.read[episode.id] = version + 1


class FakeAppointments:
    def __init__(self, db: Database) -> None:
        self.db = db

    def lock_diary(self) -> None:
        pass  # one unit at a time

    def add(self, appointment: Appointment) -> None:
        self.db.appointments[appointment.id] = appointment.model_copy(deep=True)

    save = add

    def get(self, appointment_id: UUID | str) -> Appointment:
        found = self.db.appointments.get(UUID(str(appointment_id)))
        if found is None:
            raise NotFound(f"no appointment {appointment_id}")
        return found.model_copy(deep=True)

    def _sorted(self, keep: Any) -> list[Appointment]:
        return sorted((a.model_copy(deep=True) for a in self.db.appointments.values() if keep(a)),
                      key=lambda a: a.starts_at)

    def between(self, start: datetime, end: datetime, *, booked_only: bool = False) -> list[Appointment]:
        return self._sorted(lambda a: a.starts_at < end and a.ends_at > start
                            and (not booked_only or a.status is AppointmentStatus.BOOKED))

    def for_episode(self, episode_id: UUID | str) -> list[Appointment]:
        return self._sorted(lambda a: a.episode_id == UUID(str(episode_id)))

    def for_patient(self, patient_id: UUID | str) -> list[Appointment]:
        return self._sorted(lambda a: a.patient_id == UUID(str(patient_id)))


class FakeLots:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, lot: ThreadLot) -> None:
        self.db.lots[lot.id] = lot

    def get(self, lot_id: UUID | str) -> ThreadLot:
        found = self.db.lots.get(UUID(str(lot_id)))
        if found is None:
            raise NotFound(f"no thread lot {lot_id}")
        return found

    def used(self, lot_id: UUID | str) -> int:
        return sum(1 for e, _ in self.db.episodes.values() if e.procedure
                   for t in e.procedure.threads if t.lot_id == UUID(str(lot_id)))

    def all(self) -> list[LotStock]:
        return [LotStock(lot, self.used(lot.id)) for lot in sorted(self.db.lots.values(), key=lambda lot: lot.expiry)]

    def expiring(self, by: date, limit: int) -> list[LotStock]:
        return [s for s in self.all() if s.available > 0 and s.lot.expiry <= by][:limit]

    def products(self) -> list[str]:
        return sorted({lot.product for lot in self.db.lots.values()})


class FakeConsents:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_document(self, document: ConsentDocument) -> None:
        self.db.documents.append(document)

    def document(self, procedure_type: str, version: str | None = None) -> ConsentDocument:
        found = [d for d in self.db.documents if d.procedure_type == procedure_type
                 and (version is None or d.version == version)]
        if not found:
            raise NotFound(f"no consent document for {procedure_type}" + (f" version {version}" if version else ""))
        return found[-1]

    def documents(self) -> list[ConsentDocument]:
        return list(self.db.documents)

    def add_photo_consent(self, patient_id: UUID | str, consent: PhotoConsent) -> None:
        self.db.photo_consents[consent.id] = (UUID(str(patient_id)), consent)

    def photo_consent(self, consent_id: UUID | str) -> tuple[str, PhotoConsent]:
        found = self.db.photo_consents.get(UUID(str(consent_id)))
        if found is None:
            raise NotFound(f"no photo consent {consent_id}")
        return str(found[0]), found[1]

    def save_photo_consent(self, consent: PhotoConsent) -> None:
        patient, _ = self.db.photo_consents[consent.id]
        self.db.photo_consents[consent.id] = (patient, consent)

    def photo_consents(self, patient_id: UUID | str, *, lock: bool = False) -> list[PhotoConsent]:
        return [c for p, c in self.db.photo_consents.values() if p == UUID(str(patient_id))]


class FakePhotos:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, photo: PhotoRecord) -> None:
        self.db.photos[photo.id] = photo

    def get(self, photo_id: UUID | str) -> PhotoRecord:
        found = self.db.photos.get(UUID(str(photo_id)))
        if found is None:
            raise NotFound(f"no photo {photo_id}")
        return found

    def for_episode(self, episode_id: UUID | str) -> list[PhotoRecord]:
        return sorted((p for p in self.db.photos.values() if p.episode_id == UUID(str(episode_id))),
                      key=lambda p: p.uploaded_at)

    def staged(self, episode_id: UUID | str, *, stage: str | None = None) -> list[StagedPhoto]:
        return [StagedPhoto(p.id, p.view, p.stage, p.uploaded_at, p.entered_in_error is not None)
                for p in self.for_episode(episode_id) if stage is None or p.stage == stage]

    def newest_follow_ups(self, episode_id: UUID | str, views: Collection[str],
                          limit: int | None) -> tuple[list[StagedPhoto], int]:
        usable = [p for p in self.staged(episode_id, stage=PhotoStage.FOLLOW_UP) if not p.in_error and p.view in views]
        return (usable if limit is None else usable[-limit:] if limit else []), len(usable)

    def newest_follow_up_of_each_view(self, episode_id: UUID | str) -> list[StagedPhoto]:
        newest = {p.view: p for p in self.staged(episode_id, stage=PhotoStage.FOLLOW_UP) if not p.in_error}
        return sorted(newest.values(), key=lambda p: p.uploaded_at)

    def listed(self, photo_ids: list[UUID]) -> list[PhotoRecord]:
        return sorted((self.get(i).model_copy(update={"analysis": {}}) for i in photo_ids),
                      key=lambda p: p.uploaded_at)

    def count(self) -> int:
        return len(self.db.photos)

    def stored_names(self, names: list[str]) -> set[str]:
        return {p.stored_name for p in self.db.photos.values()} & set(names)

    def newest(self) -> PhotoRecord | None:
        return max(self.db.photos.values(), key=lambda p: p.uploaded_at, default=None)

    def mark_in_error(self, photo_id: UUID | str, mark: InError) -> bool:
        photo = self.get(photo_id)
        if photo.entered_in_error is not None:
            return False
        self.db.photos[photo.id] = photo.model_copy(update={"entered_in_error": mark})
        return True


class FakeUsers:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, username: str, display_name: str, role: Role, password: str, at: datetime) -> User:
        user = User(str(UUID(int=len(self.db.users) + 1)), username.lower(), display_name, role, True)
        self.db.users[user.id] = (user, _digest(password))
        return user

    def get(self, user_id: str) -> User | None:
        found = self.db.users.get(user_id)
        return found[0] if found else None

    def by_username(self, username: str) -> User | None:
        return next((u for u, _ in self.db.users.values() if u.username == username.lower()), None)

    def all(self) -> list[User]:
        return sorted((u for u, _ in self.db.users.values()), key=lambda u: u.username)

    def authenticate(self, username: str, password: str) -> User | None:
        found = next(((u, d) for u, d in self.db.users.values() if u.username == username.lower()), None)
        return found[0] if found and found[1] == _digest(password) and found[0].active else None

    def start_session(self, user: User, at: datetime, max_hours: int) -> tuple[str, datetime]:
        token = secrets.token_urlsafe(16)
        self.db.sessions[token] = (user.id, at, at + timedelta(hours=max_hours))
        return token, at + timedelta(hours=max_hours)

    def session_user(self, token: str, at: datetime, idle_minutes: int) -> tuple[User | None, str | None]:
        found = self.db.sessions.get(token)
        if found is None:
            return None, None
        user_id, seen, ends = found
        user = self.db.users[user_id][0]
        if at > ends or at - seen > timedelta(minutes=idle_minutes) or not user.active:
            return None, "expired"
        return user, "refresh" if at - seen > timedelta(seconds=30) else None

    def touch_session(self, token: str, at: datetime, *, expired: bool) -> None:
        if token in self.db.sessions:
            if expired:
                del self.db.sessions[token]
            else:
                user_id, _, ends = self.db.sessions[token]
                self.db.sessions[token] = (user_id, at, ends)

    def end_session(self, token: str) -> None:
        self.db.sessions.pop(token, None)

    def end_sessions(self, user_id: str, *, keep_token: str | None = None) -> int:
        ending = [t for t, (owner, _, _) in self.db.sessions.items() if owner == user_id and t != keep_token]
        for token in ending:
            del self.db.sessions[token]
        return len(ending)

    def set_password(self, user_id: str, password: str) -> None:
        self.db.users[user_id] = (self.db.users[user_id][0], _digest(password))

    def set_active(self, user_id: str, active: bool) -> None:
        user = self.db.users[user_id][0]
        self.db.users[user_id] = (User(user.id, user.username, user.display_name, user.role, active),
                                  self.db.users[user_id][1])

    def password_matches(self, user_id: str, password: str) -> bool:
        return self.db.users[user_id][1] == _digest(password)


class FakeRegisters:
    """The read side, computed from the episodes themselves (the store keeps index tables for it)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _named(self, episode: Episode) -> str:
        patient = self.db.patients[episode.patient_id]
        return f"{patient.given_name} {patient.family_name}"

    def in_clinic(self, since: datetime, limit: int) -> list[NamedEpisode]:
        active = [e for e, _ in self.db.episodes.values() if e.state in (State.PROCEDURE, State.OBSERVATION)
                  or (e.state is State.DISCHARGED and e.history and e.history[-1].at >= since)]
        return [NamedEpisode.of(e, self._named(e)) for e in active][:limit]

    def planned(self) -> list[PlannedEpisode]:
        return [PlannedEpisode(e.id, e.patient_id, self._named(e)) for e, _ in self.db.episodes.values()
                if e.state is State.PLANNED]

    def follow_ups_due(self, today: date, until: date) -> list[FollowUpDue]:
        due = [FollowUpDue(e.id, i, e.patient_id, self._named(e), f.name, f.kind, f.due_on, f.due_on < today)
               for e, _ in self.db.episodes.values() for i, f in enumerate(e.follow_ups)
               if f.status is FollowUpStatus.SCHEDULED and f.due_on <= until]
        return sorted(due, key=lambda d: d.due_on)

    def lot_recipients(self, lot_number: str) -> list[Recipient]:
        found = []
        for episode, _ in self.db.episodes.values():
            patient = self.db.patients[episode.patient_id]
            for thread in episode.procedure.threads if episode.procedure else []:
                if thread.lot.lower() == lot_number.lower():
                    found.append(Recipient(patient.id, self._named(episode), patient.date_of_birth, episode.id,
                                           thread.area, thread.side.value, thread.vector, thread.at))
        return sorted(found, key=lambda r: r.placed_at)

    def adverse_events(self, scope: RegisterFilter) -> list[RegisterEntry]:
        entries = []
        for episode, _ in self.db.episodes.values():
            for event in episode.adverse_events:
                lots = [self.db.lots[lot] for lot in event.lot_ids if lot in self.db.lots]
                if ((scope.event_type and event.type.value != scope.event_type)
                        or (scope.area and event.area != scope.area) or (scope.serious_only and not event.serious)
                        or (scope.onset_from and event.onset_on < scope.onset_from)
                        or (scope.lot and scope.lot not in {lot.lot for lot in lots})
                        or (scope.product and scope.product not in {lot.product for lot in lots})):
                    continue
                entries.append(RegisterEntry(event.id, episode.id, episode.patient_id, event.type.value, event.area,
                                             event.serious, event.onset_on, event.severity, event.clavien_dindo,
                                             event.tier, event.outcome.value, tuple(sorted({x.lot for x in lots})),
                                             tuple(sorted({x.product for x in lots}))))
        return sorted(entries, key=lambda e: e.onset_on, reverse=True)

    def procedures(self, scope: RegisterFilter) -> int:
        def in_scope(episode: Episode) -> bool:
            threads = episode.procedure.threads if episode.procedure else []
            return any((not scope.lot or t.lot == scope.lot) and (not scope.product or t.product == scope.product)
                       and (not scope.area or t.area == scope.area) for t in threads)

        return sum(1 for e, _ in self.db.episodes.values() if in_scope(e))

    def record_lifts(self, lifts: list[AreaLift], measured_at: datetime) -> None:
        for photo, engine in {(x.after_photo_id, x.engine_version) for x in lifts}:
            for key in [k for k in self.db.lifts if k[0] == photo and k[3] == engine]:
                del self.db.lifts[key]
        self.db.lifts.update({(x.after_photo_id, x.area, x.side, x.engine_version): x for x in lifts})

    def lifted_pairs(self, engine_version: str) -> set[tuple[str, str]]:
        return {(x.before_photo_id, x.after_photo_id) for x in self.db.lifts.values()
                if x.engine_version == engine_version}

    def outcome_records(self) -> OutcomeRecords:
        """The same records as the store's, from the episodes themselves."""
        episodes = [e for e, _ in self.db.episodes.values() if e.procedure is not None and e.procedure.threads]
        procedures, complications, gais, effects = [], [], [], []
        for e in episodes:
            assert e.procedure is not None
            started = e.procedure.started_at
            placed = tuple(dict.fromkeys(ThreadPlaced(t.area, self.db.lots[t.lot_id].design.value,
                                                      self.db.lots[t.lot_id].material.value, t.lot)
                                         for t in e.procedure.threads))
            procedures.append(ProcedureDone(str(e.patient_id), str(e.id), e.procedure.performer_id, placed))
            complications += [Complication(str(e.patient_id), str(e.id), a.type.value, a.clavien_dindo, a.area,
                                           tuple(sorted(self.db.lots[x].lot for x in a.lot_ids)))
                              for a in e.adverse_events]
            for i, f in enumerate(e.follow_ups):
                if f.assessment is None:
                    continue
                gais += [GaisScore(str(e.patient_id), str(e.id), f.name, i, r.rater.value, r.standard_score)
                         for r in f.assessment.ratings]
                report = f.assessment.effect
                if report is not None and f.completed_at is not None:
                    lost = None if report.lost_after_weeks is None else 7 * report.lost_after_weeks
                    effects.append(EffectFollowUp(str(e.patient_id), str(e.id), (f.completed_at - started).days,
                                                  report.noticeable, lost))
        by_episode = {str(e.id): e for e in episodes}
        sides: dict[tuple[str, str], list[AreaLift]] = {}
        latest = {lift.after_photo_id: lift.engine_version for lift in self.db.lifts.values()}  # last measured
        for lift in self.db.lifts.values():
            if latest[lift.after_photo_id] == lift.engine_version:
                sides.setdefault((lift.after_photo_id, lift.area), []).append(lift)
        readings = []
        for (_, area), rows in sides.items():
            episode = by_episode[rows[0].episode_id]
            assert episode.procedure is not None
            lots = [self.db.lots[t.lot_id] for t in episode.procedure.threads if t.area == area]
            readings.append(LiftReading(rows[0].patient_id, rows[0].episode_id, area, rows[0].day,
                                        sum(r.lift_mm for r in rows) / len(rows), max(r.uncertainty_mm for r in rows),
                                        tuple(sorted({x.design.value for x in lots})),
                                        tuple(sorted({x.material.value for x in lots}))))
        return OutcomeRecords(tuple(readings), tuple(procedures), tuple(complications), tuple(gais), tuple(effects))


class FakeAudit:
    def __init__(self, db: Database) -> None:
        self.db = db

    def entries(self, *, after_id: int = 0, limit: int = 200) -> list[AuditEntry]:
        return [e for e in self.db.audit if e.id > after_id][:limit]

    def recent(self, count: int) -> list[AuditEntry]:
        return list(reversed(self.db.audit))[:count]

    def verify(self) -> AuditProblem | None:
        return None  # the fake trail has no hashes to break; the store's tests check the chain


class FakeUnitOfWork:
    """A unit of work on a copy of the database, written back only on :meth:`commit`; what a unit that
    is rolled back (an exception, no commit) did is lost, as in the store."""

    def __init__(self, db: Database, *, read_only: bool = False, logs_reads: bool = False) -> None:
        self.db = db
        self.read_only = read_only or logs_reads
        self.logs_reads = logs_reads
        self.committed = False

    def __enter__(self) -> Self:
        self.working = copy.deepcopy(self.db)
        self.patients = FakePatients(self.working)
        self.episodes = FakeEpisodes(self.working)
        self.lots = FakeLots(self.working)
        self.consents = FakeConsents(self.working)
        self.photos = FakePhotos(self.working)
        self.users = FakeUsers(self.working)
        self.registers = FakeRegisters(self.working)
        self.audit = FakeAudit(self.working)
        self.appointments = FakeAppointments(self.working)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.working = Database()  # rolled back: nothing that was not committed survives

    def log(self, *, at: datetime, user_id: str | None, action: str, entity_type: str, entity_id: str | None,
            detail: dict[str, object]) -> None:
        entry = AuditEntry(len(self.working.audit) + 1, at, user_id, action, entity_type, entity_id, dict(detail), "")
        self.working.audit.append(entry)

    def schema_revision(self) -> str | None:
        from threadlift.store import migrate

        return migrate.head()

    def commit(self) -> None:
        if self.read_only and not self.logs_reads:
            raise AssertionError("a read-only unit of work was committed")
        changed = self.working if not self.logs_reads else _with_audit_only(self.db, self.working)
        for name in Database.__dataclass_fields__:
            setattr(self.db, name, copy.deepcopy(getattr(changed, name)))
        self.committed = True


def _with_audit_only(before: Database, working: Database) -> Database:
    """A unit that logs reads may change nothing but the audit trail."""
    kept = copy.deepcopy(before)
    kept.audit = working.audit
    return kept


class FakeUnitsOfWork:
    """The factory the services call; remembers every unit it made, for tests to inspect."""

    def __init__(self) -> None:
        self.db = Database()
        self.made: list[FakeUnitOfWork] = []

    def __call__(self, *, read_only: bool = False, logs_reads: bool = False) -> FakeUnitOfWork:
        unit = FakeUnitOfWork(self.db, read_only=read_only, logs_reads=logs_reads)
        self.made.append(unit)
        return unit


class FakeVault:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.staged: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        name = secrets.token_hex(8)
        self.files[name] = data
        return name

    def get(self, name: str) -> bytes:
        return self.files[name]

    def stage(self, data: bytes) -> str:
        name = secrets.token_hex(8)
        self.staged[name] = data
        return name

    def publish(self, name: str) -> None:
        self.files[name] = self.staged.pop(name)

    def discard(self, name: str) -> None:
        self.staged.pop(name, None)

    def pending(self) -> list[tuple[str, float]]:
        return [(name, 0.0) for name in self.staged]


def fake_services(clock: Clock | None = None, **settings: Any) -> tuple[Services, FakeUnitsOfWork]:
    """Services on the fakes, with a settable clock; ``settings`` as in :class:`Settings`."""
    from pathlib import Path

    units = FakeUnitsOfWork()
    values = {"data_dir": Path("/nonexistent"), "database_url": "fake://", **settings}
    services = Services(settings=Settings(**values), uow_factory=units, vault=FakeVault(),
                        clock=clock or Clock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC)))
    return services, units
