"""The patient's side as records: sign-in links, questionnaires, readings, check-ins, drafted adverse events,
and the e-mails of the outbox. Plain frozen records; the rules live in :mod:`threadlift.clinic.checkin`
and the use cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

# A sign-in link is good for one use within this time (issue 17 §1).
LINK_MINUTES = 15
# The e-mails that carry a sign-in link: made with their link, useless once it has expired.
LINK_KINDS = ("invitation", "sign_in")
# An e-mail is tried this many times, waiting longer after each failure (then shown to staff).
MAX_ATTEMPTS = 6
FIRST_RETRY_SECONDS = 30


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 30 s, 1, 2, 4, 8 minutes..."""
    return timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1))


class LinkProblem:
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class Questionnaire:
    id: str
    episode_id: str
    patient_id: str
    questionnaire: str
    answers: dict[str, object]
    submitted_at: datetime
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None
    confirmed: dict[str, object] | None = None
    changes: list[str] | None = None


@dataclass(frozen=True)
class Reading:
    patient_id: str
    episode_id: str | None
    document: str
    version: str
    kind: str  # read, acknowledged
    at: datetime


@dataclass(frozen=True)
class CheckIn:
    id: str
    episode_id: str
    patient_id: str
    name: str
    after_hours: int
    opens_at: datetime
    closes_at: datetime
    invited_at: datetime | None = None
    answered_at: datetime | None = None
    late: bool = False
    answers: dict[str, object] | None = None
    photo_id: str | None = None
    photo_quality_ok: bool | None = None
    triage_status: str = "not_answered"  # not_answered, pending (answered, not triaged yet), done
    triage_level: str | None = None
    triage: dict[str, object] | None = None


@dataclass(frozen=True)
class DraftEvent:
    id: str
    episode_id: str
    patient_id: str
    check_in_id: str
    type: str
    tier: str
    onset_on: date
    lot_ids: list[str]
    reasons: list[str]
    status: str  # draft, confirmed, dismissed
    created_at: datetime
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data_base64: str


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    kind: str
    to_address: str
    subject: str
    body: str
    created_at: datetime
    next_attempt_at: datetime
    attachments: list[Attachment] = field(default_factory=list)
    patient_id: str | None = None
    dedupe_key: str | None = None
    status: str = "pending"  # pending, sent, failed, replaced (by a new invitation)
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None

    def link_expired(self, at: datetime) -> bool:
        """A sign-in e-mail whose link has expired by ``at`` (it was made with the message)."""
        return self.kind in LINK_KINDS and at >= self.created_at + timedelta(minutes=LINK_MINUTES)
