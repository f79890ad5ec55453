"""Database tables (SQLAlchemy 2). The domain never imports this; repositories translate rows to records.

An episode is stored as one validated JSON document (the aggregate, as the domain sees it) plus
index tables rewritten on every save, for what the clinic queries across patients: follow-ups due,
adverse events, threads by lot.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations can refer to them on every database.
NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCInstant(TypeDecorator[datetime]):
    """An instant, written in UTC whatever offset it is given in: SQLite keeps no offset (it would store the
    wall-clock time of another zone as if it were UTC), and the audit chain hashes the UTC form."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read back as an aware UTC instant on every database (SQLite gives it back without its offset,
        and a clinic's date of a naive time would be the server's, not the clinic's)."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


UTCDateTime = UTCInstant()


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionRow(Base):
    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInFailureRow(Base):
    """Failed sign-ins of one account or client address (clinic/signin.py); the key is a hash."""

    __tablename__ = "sign_in_failures"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class PatientRow(Base):
    __tablename__ = "patients"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    search_name: Mapped[str] = mapped_column(String(201), index=True)  # "family given", lower case
    date_of_birth: Mapped[date] = mapped_column(Date, index=True)
    sex: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    weight_kg: Mapped[float | None] = mapped_column(Float)
    height_cm: Mapped[float | None] = mapped_column(Float)
    dosing_weight_kg: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Compared byte by byte on every database, so a prefix is a range: "smi" <= token < "smj".
TokenText = String(201).with_variant(String(201, collation="C"), "postgresql")


class PatientNameTokenRow(Base):
    """Each word of a patient's names, lower case, with the name the results sort by: patient search
    finds each prefix, intersects and pages in this table's index alone, then reads the page's patients."""

    __tablename__ = "patient_name_tokens"
    # The key holds every column, so its index alone answers a search.
    token: Mapped[str] = mapped_column(TokenText, primary_key=True)
    search_name: Mapped[str] = mapped_column(String(201), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True, index=True)


class EpisodeRow(Base):
    __tablename__ = "episodes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic locking: no lost updates
    document: Mapped[dict[str, object]] = mapped_column(JSON)
    # The document's procedure times, written with it: the day's board reads them without parsing documents
    procedure_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    procedure_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ConsentDocumentRow(Base):
    __tablename__ = "consent_documents"
    procedure_type: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[str] = mapped_column(String(20), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PhotoConsentRow(Base):
    __tablename__ = "photo_consents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    document: Mapped[dict[str, object]] = mapped_column(JSON)


class PhotoRow(Base):
    __tablename__ = "photos"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), index=True)
    view: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20))  # baseline, procedure_day, follow_up
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_sha256: Mapped[str] = mapped_column(String(64))
    stored_sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    location_removed: Mapped[bool] = mapped_column(Boolean)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(36))
    quality_ok: Mapped[bool] = mapped_column(Boolean)
    analysis: Mapped[dict[str, object]] = mapped_column(JSON)
    # Marked as recorded in error (reason, by, at): kept, never measured or compared again (issue 14).
    entered_in_error: Mapped[dict[str, object] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class PhotoAnalysisRow(Base):
    """A later analysis of a stored photo (``threadlift batch analyze --vault``, issue 18), one per engine
    version, kept beside the analysis made at upload (``photos.analysis``), which is never overwritten."""

    __tablename__ = "photo_analyses"
    photo_id: Mapped[str] = mapped_column(ForeignKey("photos.id"), primary_key=True)
    engine_version: Mapped[str] = mapped_column(String(120), primary_key=True, index=True)
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    quality_ok: Mapped[bool] = mapped_column(Boolean)
    document: Mapped[dict[str, object]] = mapped_column(JSON)


class ThreadLotRow(Base):
    __tablename__ = "thread_lots"
    __table_args__ = (UniqueConstraint("product", "lot", name="uq_thread_lots_product_lot"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    product: Mapped[str] = mapped_column(String(120))
    manufacturer: Mapped[str | None] = mapped_column(String(120))
    material: Mapped[str] = mapped_column(String(20))
    design: Mapped[str] = mapped_column(String(30))
    gauge: Mapped[str] = mapped_column(String(10))
    length_mm: Mapped[float] = mapped_column(Float)
    cones: Mapped[int | None] = mapped_column(Integer)
    lot: Mapped[str] = mapped_column(String(60), index=True)
    expiry: Mapped[date] = mapped_column(Date, index=True)
    quantity_received: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date)


class ThreadUseRow(Base):
    __tablename__ = "thread_uses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("thread_lots.id"), index=True)
    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    area: Mapped[str] = mapped_column(String(40))
    side: Mapped[str] = mapped_column(String(10))
    vector: Mapped[str] = mapped_column(String(200))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowUpRow(Base):
    __tablename__ = "follow_ups"
    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # OUT-03, the patient's report: the effect still noticeable, or worn off this many days after the procedure
    effect_noticeable: Mapped[bool | None] = mapped_column(Boolean)
    effect_lost_after_days: Mapped[int | None] = mapped_column(Integer)


class GaisRatingRow(Base):
    """A GAIS rating at a follow-up (OUT-01): the score as rated with its scale and anchor direction, and the
    score in the standard direction (1 very much improved ... 5 worse) for comparing ratings."""

    __tablename__ = "gais_ratings"
    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # the follow-up's place in the schedule
    rater: Mapped[str] = mapped_column(String(20), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    scale_name: Mapped[str] = mapped_column(String(40))
    scale_version: Mapped[str] = mapped_column(String(60))
    best_score: Mapped[int] = mapped_column(Integer)
    worst_score: Mapped[int] = mapped_column(Integer)
    standard_score: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowUpLiftRow(Base):
    """The lift of one area on one side at a follow-up photo, measured against the episode's baseline photo
    (OUT-02): written whenever that pair is compared (the outcome page, the API, ``threadlift batch
    compare``), read by the durability figures (issue 18). A later comparison of the same photo by the same
    engine version replaces it; another engine version's is kept beside it (the figures read the photo's
    latest measurement)."""

    __tablename__ = "follow_up_lifts"
    after_photo_id: Mapped[str] = mapped_column(ForeignKey("photos.id"), primary_key=True)
    area: Mapped[str] = mapped_column(String(40), primary_key=True)
    side: Mapped[str] = mapped_column(String(10), primary_key=True)
    engine_version: Mapped[str] = mapped_column(String(120), primary_key=True)
    before_photo_id: Mapped[str] = mapped_column(ForeignKey("photos.id"))
    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    days_after_procedure: Mapped[int] = mapped_column(Integer)
    lift_mm: Mapped[float] = mapped_column(Float)
    uncertainty_mm: Mapped[float] = mapped_column(Float)
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AppointmentRow(Base):
    """A follow-up booked at a time, with a clinician and a room (clinic/appointments.py); its history of
    reschedules and cancellations, with their reasons, in ``history``. Never deleted."""

    __tablename__ = "appointments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), index=True)
    follow_up: Mapped[int] = mapped_column(Integer)  # the follow-up's position in the episode's schedule
    follow_up_name: Mapped[str] = mapped_column(String(80))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    clinician_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    room: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)  # booked, attended, no_show, cancelled
    history: Mapped[list[dict[str, object]]] = mapped_column(JSON)


class AdverseEventRow(Base):
    __tablename__ = "adverse_events"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    area: Mapped[str | None] = mapped_column(String(40))
    serious: Mapped[bool] = mapped_column(Boolean, index=True)
    onset_on: Mapped[date] = mapped_column(Date)
    severity: Mapped[int] = mapped_column(Integer)
    clavien_dindo: Mapped[str] = mapped_column(String(5))
    tier: Mapped[str] = mapped_column(String(1))
    outcome: Mapped[str] = mapped_column(String(30))


class AdverseEventLotRow(Base):
    __tablename__ = "adverse_event_lots"
    event_id: Mapped[str] = mapped_column(ForeignKey("adverse_events.id"), primary_key=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("thread_lots.id"), primary_key=True, index=True)


class AuditRow(Base):
    """Append-only, hash-chained: each row stores the hash of the one before it."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[str | None] = mapped_column(String(36), index=True)
    action: Mapped[str] = mapped_column(String(20))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, object]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """One row: the last audit id and hash. Locking it serialises appends, so the chain never forks."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


# The patient's side (issue 17): portal sign-in, what the patient filled in and read, check-ins after the
# procedure, drafts of adverse events raised by them, and the outbox of e-mails.


class PortalLinkRow(Base):
    """A one-time sign-in link: only its hash is kept; single use, short-lived, bound to one patient."""

    __tablename__ = "portal_links"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PortalSessionRow(Base):
    """A patient's portal session: a table of its own, so no staff session check can ever find it."""

    __tablename__ = "portal_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PortalLinkRequestRow(Base):
    """Requests for a new sign-in link, by the hash of what limits them (an address, a client): the rate limit."""

    __tablename__ = "portal_link_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class QuestionnaireRow(Base):
    """The medical-history questionnaire as the patient filled it in (one per episode), and the clinician's review."""

    __tablename__ = "questionnaires"
    __table_args__ = (UniqueConstraint("episode_id", "questionnaire", name="uq_questionnaires_episode_questionnaire"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    questionnaire: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict[str, object]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(36))
    confirmed: Mapped[dict[str, object] | None] = mapped_column(JSON)
    changes: Mapped[list[str] | None] = mapped_column(JSON)


class PortalReadingRow(Base):
    """A document the patient opened (procedure information, a consent version) or acknowledged (aftercare)."""

    __tablename__ = "portal_readings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    episode_id: Mapped[str | None] = mapped_column(ForeignKey("episodes.id"), index=True)
    document: Mapped[str] = mapped_column(String(80))
    version: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # read, acknowledged
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckInRow(Base):
    """A check-in after the procedure (48 hours, 7 days...): when it opens, the patient's answers, their triage."""

    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("episode_id", "name", name="uq_check_ins_episode_name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    after_hours: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    answers: Mapped[dict[str, object] | None] = mapped_column(JSON)
    photo_id: Mapped[str | None] = mapped_column(String(36))
    photo_quality_ok: Mapped[bool | None] = mapped_column(Boolean)
    triage_status: Mapped[str] = mapped_column(String(20), index=True)  # not_answered, pending, done
    triage_level: Mapped[str | None] = mapped_column(String(20))  # expected, call_clinic, emergency
    triage: Mapped[dict[str, object] | None] = mapped_column(JSON)


class DraftAdverseEventRow(Base):
    """An adverse event drafted from a red-flag check-in, for a clinician to confirm into the register or dismiss."""

    __tablename__ = "draft_adverse_events"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    episode_id: Mapped[str] = mapped_column(ForeignKey("episodes.id"), index=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    check_in_id: Mapped[str] = mapped_column(ForeignKey("check_ins.id"), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(1))
    onset_on: Mapped[date] = mapped_column(Date)
    lot_ids: Mapped[list[str]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)  # draft, confirmed, dismissed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(36))
    event_id: Mapped[str | None] = mapped_column(String(36))


class OutboxRow(Base):
    """An e-mail to send: kept until it is delivered or has used its tries (then shown to staff)."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.id"), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), index=True)  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdempotentRequestRow(Base):
    """A request sent with an Idempotency-Key (API) or a form's one-time token (pages): its first answer,
    replayed to a retry; kept a day."""

    __tablename__ = "idempotent_requests"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the caller's session and key
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the method, path and body
    state: Mapped[str] = mapped_column(String(10))  # pending, done
    status_code: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[list[list[str]] | None] = mapped_column(JSON)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


Index("ix_patients_family_dob", PatientRow.family_name, PatientRow.date_of_birth)
