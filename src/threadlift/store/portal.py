"""The patient's side in the database: sign-in links and portal sessions, questionnaires, readings,
check-ins, drafted adverse events (:class:`SqlPortalRepository`), and the outbox (:class:`SqlOutbox`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from threadlift.clinic.errors import NotFound
from threadlift.clinic.patient import Patient
from threadlift.clinic.portal import (
    Attachment,
    CheckIn,
    DraftEvent,
    LinkProblem,
    OutboxMessage,
    Questionnaire,
    Reading,
)
from threadlift.store.repository import SqlPatientRepository
from threadlift.store.tables import (
    CheckInRow,
    DraftAdverseEventRow,
    EpisodeRow,
    OutboxRow,
    PatientRow,
    PortalLinkRequestRow,
    PortalLinkRow,
    PortalReadingRow,
    PortalSessionRow,
    QuestionnaireRow,
)

TOUCH_EVERY = timedelta(seconds=30)
URGENT_KINDS = ("red_flag_alert",)


def _document_instant(moment: datetime) -> str:
    """An instant as the episode's JSON document writes it (pydantic: UTC, ``2026-11-02T09:00:00.5Z``), to
    the second, so that comparing the texts compares the instants."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _utc(moment: datetime | None) -> datetime | None:
    """SQLite keeps no zone; every time is written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _times(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: _utc(getattr(row, n)) if isinstance(getattr(row, n), datetime) else getattr(row, n) for n in names}


_CHECK_IN = tuple(CheckIn.__dataclass_fields__)
_DRAFT = tuple(DraftEvent.__dataclass_fields__)
_QUESTIONNAIRE = tuple(Questionnaire.__dataclass_fields__)


class SqlPortalRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # sign-in links and sessions
    def add_link(self, token_hash: str, patient_id: str, at: datetime, expires_at: datetime) -> None:
        self.session.add(PortalLinkRow(token_hash=token_hash, patient_id=patient_id, created_at=at,
                                       expires_at=expires_at))
        self.session.flush()

    def use_link(self, token_hash: str, at: datetime) -> tuple[str | None, str | None]:
        """(the patient's id, None) for a link used now for the first time within its life; else (None,
        why not: unknown, expired or used). The update is the check, so two uses cannot both win."""
        used = self.session.execute(update(PortalLinkRow).where(
            PortalLinkRow.token_hash == token_hash, PortalLinkRow.used_at.is_(None), PortalLinkRow.expires_at > at)
            .values(used_at=at))
        if used.rowcount == 1:  # type: ignore[attr-defined]
            row = self.session.get(PortalLinkRow, token_hash)
            assert row is not None
            return row.patient_id, None
        row = self.session.get(PortalLinkRow, token_hash)
        if row is None:
            return None, LinkProblem.UNKNOWN
        return None, LinkProblem.USED if row.used_at is not None else LinkProblem.EXPIRED

    def patients_with_email(self, address: str) -> list[Patient]:
        """The patients whose e-mail address on record is ``address`` (compared in lower case)."""
        ids = self.session.execute(select(PatientRow.id).where(func.lower(PatientRow.email) == address.lower())
                                   .order_by(PatientRow.id)).scalars()
        patients = SqlPatientRepository(self.session)
        return [patients.get(i) for i in ids]

    def link_times(self, patient_id: str) -> tuple[datetime | None, datetime | None]:
        """(the last link sent, the last sign-in) of a patient."""
        sent, used = self.session.execute(select(func.max(PortalLinkRow.created_at), func.max(PortalLinkRow.used_at))
                                          .where(PortalLinkRow.patient_id == patient_id)).one()
        return _utc(sent), _utc(used)

    def start_session(self, token_hash: str, patient_id: str, at: datetime, expires_at: datetime) -> None:
        self.session.add(PortalSessionRow(token_hash=token_hash, patient_id=patient_id, created_at=at,
                                          last_seen_at=at, expires_at=expires_at))

    def session_patient(self, token_hash: str, at: datetime, idle_minutes: int) -> tuple[str | None, str | None]:
        """(the patient of a live session, why the session needs a write: "expired", "refresh" or None)."""
        row = self.session.get(PortalSessionRow, token_hash)
        if row is None:
            return None, None
        last_seen, expires = _utc(row.last_seen_at), _utc(row.expires_at)
        assert last_seen is not None and expires is not None
        if at >= expires or at - last_seen > timedelta(minutes=idle_minutes):
            return None, "expired"
        return row.patient_id, "refresh" if at - last_seen >= TOUCH_EVERY else None

    def touch_session(self, token_hash: str, at: datetime, *, expired: bool) -> None:
        if expired:
            self.end_session(token_hash)
        else:
            self.session.execute(update(PortalSessionRow).where(PortalSessionRow.token_hash == token_hash)
                                 .values(last_seen_at=at))

    def end_session(self, token_hash: str) -> None:
        self.session.execute(delete(PortalSessionRow).where(PortalSessionRow.token_hash == token_hash))

    def end_sessions(self, patient_id: str) -> None:
        self.session.execute(delete(PortalSessionRow).where(PortalSessionRow.patient_id == patient_id))

    def link_requests(self, key_hash: str, since: datetime) -> int:
        return int(self.session.execute(select(func.count()).select_from(PortalLinkRequestRow).where(
            PortalLinkRequestRow.key_hash == key_hash, PortalLinkRequestRow.at >= since)).scalar_one())

    def add_link_request(self, key_hash: str, at: datetime, forget_before: datetime) -> None:
        self.session.execute(delete(PortalLinkRequestRow).where(PortalLinkRequestRow.at < forget_before))
        self.session.add(PortalLinkRequestRow(key_hash=key_hash, at=at))

    # questionnaires
    def questionnaire(self, episode_id: str, name: str) -> Questionnaire | None:
        row = self.session.execute(select(QuestionnaireRow).where(
            QuestionnaireRow.episode_id == episode_id, QuestionnaireRow.questionnaire == name)).scalar()
        return None if row is None else Questionnaire(**_times(row, _QUESTIONNAIRE))

    def add_questionnaire(self, q: Questionnaire) -> None:
        self.session.add(QuestionnaireRow(**asdict(q)))
        self.session.flush()

    def resubmit_questionnaire(self, questionnaire_id: str, answers: dict[str, object], at: datetime) -> None:
        self.session.execute(update(QuestionnaireRow).where(QuestionnaireRow.id == questionnaire_id)
                             .values(answers=answers, submitted_at=at))

    def review_questionnaire(self, questionnaire_id: str, *, confirmed: dict[str, object], changes: list[str],
                             at: datetime, by: str) -> None:
        self.session.execute(update(QuestionnaireRow).where(QuestionnaireRow.id == questionnaire_id)
                             .values(confirmed=confirmed, changes=changes, reviewed_at=at, reviewed_by=by))

    # readings
    def add_reading(self, reading: Reading) -> None:
        self.session.add(PortalReadingRow(**asdict(reading)))

    def readings(self, patient_id: str) -> list[Reading]:
        rows = self.session.execute(select(PortalReadingRow).where(PortalReadingRow.patient_id == patient_id)
                                    .order_by(PortalReadingRow.at, PortalReadingRow.id)).scalars()
        return [Reading(r.patient_id, r.episode_id, r.document, r.version, r.kind, _utc(r.at))  # type: ignore[arg-type]
                for r in rows]

    # check-ins
    def add_check_ins(self, check_ins: list[CheckIn]) -> None:
        self.session.add_all([CheckInRow(**asdict(c)) for c in check_ins])
        self.session.flush()

    def check_in(self, check_in_id: str) -> CheckIn:
        row = self.session.get(CheckInRow, check_in_id)
        if row is None:
            raise NotFound(f"no check-in {check_in_id}")
        return CheckIn(**_times(row, _CHECK_IN))

    def check_ins(self, episode_id: str) -> list[CheckIn]:
        rows = self.session.execute(select(CheckInRow).where(CheckInRow.episode_id == episode_id)
                                    .order_by(CheckInRow.opens_at)).scalars()
        return [CheckIn(**_times(r, _CHECK_IN)) for r in rows]

    def check_ins_of_patient(self, patient_id: str) -> list[CheckIn]:
        rows = self.session.execute(select(CheckInRow).where(CheckInRow.patient_id == patient_id)
                                    .order_by(CheckInRow.opens_at)).scalars()
        return [CheckIn(**_times(r, _CHECK_IN)) for r in rows]

    def episodes_without_check_ins(self, since: datetime, limit: int) -> list[str]:
        """Episodes whose procedure ended at ``since`` or later, with no check-ins yet. By the procedure's
        end in the episode's document, not by the row's last change: an old episode amended today is
        no recent procedure."""
        has = select(CheckInRow.episode_id).where(CheckInRow.episode_id == EpisodeRow.id).exists()
        ended = EpisodeRow.document[("procedure", "ended_at")].as_string()
        return list(self.session.execute(select(EpisodeRow.id).where(
            EpisodeRow.state.in_(("observation", "discharged", "follow_up")), EpisodeRow.updated_at >= since,
            ended >= _document_instant(since), ~has).order_by(EpisodeRow.updated_at).limit(limit)).scalars())

    def discharged_since(self, since: datetime, limit: int) -> list[str]:
        """Episodes discharged at ``since`` or later (now discharged or in follow-up), oldest change first."""
        discharged = EpisodeRow.document[("discharge", "discharged_at")].as_string()
        return list(self.session.execute(select(EpisodeRow.id).where(
            EpisodeRow.state.in_(("discharged", "follow_up")), EpisodeRow.updated_at >= since,
            discharged >= _document_instant(since)).order_by(EpisodeRow.updated_at).limit(limit)).scalars())

    def check_ins_to_invite(self, at: datetime, limit: int) -> list[CheckIn]:
        """Check-ins open at ``at`` whose patient has not been invited (nor answered): one whose window has
        closed is no longer invited to (it can still be answered, marked late)."""
        rows = self.session.execute(select(CheckInRow).where(
            CheckInRow.invited_at.is_(None), CheckInRow.answered_at.is_(None), CheckInRow.opens_at <= at,
            CheckInRow.closes_at > at).order_by(CheckInRow.opens_at).limit(limit)).scalars()
        return [CheckIn(**_times(r, _CHECK_IN)) for r in rows]

    def check_ins_to_triage(self, limit: int) -> list[CheckIn]:
        rows = self.session.execute(select(CheckInRow).where(CheckInRow.triage_status == "pending")
                                    .order_by(CheckInRow.answered_at).limit(limit)).scalars()
        return [CheckIn(**_times(r, _CHECK_IN)) for r in rows]

    def mark_invited(self, check_in_id: str, at: datetime) -> None:
        self.session.execute(update(CheckInRow).where(CheckInRow.id == check_in_id).values(invited_at=at))

    def answer_check_in(self, check_in_id: str, *, answers: dict[str, object], at: datetime, late: bool,
                        photo_id: str | None, photo_quality_ok: bool | None) -> bool:
        """Store the answers of a check-in not answered yet (False: it was, and nothing changed)."""
        done = self.session.execute(update(CheckInRow).where(CheckInRow.id == check_in_id,
                                                             CheckInRow.answered_at.is_(None))
                                    .values(answers=answers, answered_at=at, late=late, photo_id=photo_id,
                                            photo_quality_ok=photo_quality_ok, triage_status="pending"))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def save_triage(self, check_in_id: str, level: str, triage: dict[str, object]) -> bool:
        """Record a pending check-in's triage (False: it was triaged already, by another worker)."""
        done = self.session.execute(update(CheckInRow).where(CheckInRow.id == check_in_id,
                                                             CheckInRow.triage_status == "pending")
                                    .values(triage_status="done", triage_level=level, triage=triage))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    # drafted adverse events
    def add_draft(self, draft: DraftEvent) -> None:
        self.session.add(DraftAdverseEventRow(**asdict(draft)))
        self.session.flush()

    def draft(self, draft_id: str) -> DraftEvent:
        row = self.session.get(DraftAdverseEventRow, draft_id)
        if row is None:
            raise NotFound(f"no drafted adverse event {draft_id}")
        return DraftEvent(**_times(row, _DRAFT))

    def drafts(self, *, status: str = "draft", episode_id: str | None = None, limit: int = 100) -> list[DraftEvent]:
        query = select(DraftAdverseEventRow).where(DraftAdverseEventRow.status == status)
        if episode_id is not None:
            query = query.where(DraftAdverseEventRow.episode_id == episode_id)
        rows = self.session.execute(query.order_by(DraftAdverseEventRow.created_at.desc()).limit(limit)).scalars()
        return [DraftEvent(**_times(r, _DRAFT)) for r in rows]

    def resolve_draft(self, draft_id: str, *, status: str, at: datetime, by: str, event_id: str | None) -> bool:
        done = self.session.execute(update(DraftAdverseEventRow).where(DraftAdverseEventRow.id == draft_id,
                                                                       DraftAdverseEventRow.status == "draft")
                                    .values(status=status, resolved_at=at, resolved_by=by, event_id=event_id))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]


_MESSAGE = tuple(f for f in OutboxMessage.__dataclass_fields__ if f != "attachments")


def _message(row: OutboxRow) -> OutboxMessage:
    return OutboxMessage(**_times(row, _MESSAGE), attachments=[Attachment(**a) for a in row.attachments])


class SqlOutbox:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: OutboxMessage) -> bool:
        """Queue a message (False: one with the same dedupe key is queued already, and this one is not)."""
        if message.dedupe_key is not None and self.session.execute(
                select(OutboxRow.id).where(OutboxRow.dedupe_key == message.dedupe_key)).first() is not None:
            return False
        values = {n: getattr(message, n) for n in _MESSAGE}
        self.session.add(OutboxRow(**values, attachments=[asdict(a) for a in message.attachments]))
        self.session.flush()
        return True

    def get(self, message_id: str) -> OutboxMessage:
        row = self.session.get(OutboxRow, message_id)
        if row is None:
            raise NotFound(f"no message {message_id}")
        return _message(row)

    def due(self, at: datetime, limit: int) -> list[str]:
        """Messages due now, alerts to staff first (they must not wait behind a batch of invitations)."""
        urgent = case((OutboxRow.kind.in_(URGENT_KINDS), 0), else_=1)
        return list(self.session.execute(select(OutboxRow.id).where(
            OutboxRow.status == "pending", OutboxRow.next_attempt_at <= at)
            .order_by(urgent, OutboxRow.next_attempt_at).limit(limit)).scalars())

    def next_due(self) -> datetime | None:
        return _utc(self.session.execute(select(func.min(OutboxRow.next_attempt_at))
                                         .where(OutboxRow.status == "pending")).scalar())

    def claim(self, message_id: str, at: datetime, lease: timedelta) -> OutboxMessage | None:
        """Take a due message for sending until ``at + lease`` (None: another sender took it, or it is not due)."""
        taken = self.session.execute(update(OutboxRow).where(
            OutboxRow.id == message_id, OutboxRow.status == "pending", OutboxRow.next_attempt_at <= at)
            .values(next_attempt_at=at + lease))
        return self.get(message_id) if taken.rowcount == 1 else None  # type: ignore[attr-defined]

    def sent(self, message_id: str, at: datetime, attempts: int) -> None:
        self.session.execute(update(OutboxRow).where(OutboxRow.id == message_id)
                             .values(status="sent", sent_at=at, attempts=attempts, last_error=None))

    def retry(self, message_id: str, *, attempts: int, at: datetime, error: str, give_up: bool) -> None:
        self.session.execute(update(OutboxRow).where(OutboxRow.id == message_id).values(
            status="failed" if give_up else "pending", attempts=attempts, next_attempt_at=at, last_error=error[:500]))

    def requeue(self, message_id: str, at: datetime) -> bool:
        """A failed message tried again from now (staff asked), with its tries counted afresh."""
        done = self.session.execute(update(OutboxRow).where(OutboxRow.id == message_id, OutboxRow.status == "failed")
                                    .values(status="pending", attempts=0, next_attempt_at=at))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def replace(self, message_id: str) -> bool:
        """A failed message that a new one replaces (a sign-in e-mail whose link expired): off the dashboard."""
        done = self.session.execute(update(OutboxRow).where(OutboxRow.id == message_id, OutboxRow.status == "failed")
                                    .values(status="replaced"))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def failed(self, limit: int) -> list[OutboxMessage]:
        rows = self.session.execute(select(OutboxRow).where(OutboxRow.status == "failed")
                                    .order_by(OutboxRow.created_at.desc()).limit(limit)).scalars()
        return [_message(r) for r in rows]

    def of_patient(self, patient_id: str, limit: int) -> list[OutboxMessage]:
        rows = self.session.execute(select(OutboxRow).where(OutboxRow.patient_id == patient_id)
                                    .order_by(OutboxRow.created_at.desc()).limit(limit)).scalars()
        return [_message(r) for r in rows]
