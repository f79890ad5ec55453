"""The staff side of the portal: a patient's portal status, the dashboard's urgent drafts and undeliverable
e-mails, and sending an e-mail again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from threadlift.clinic.checkin import QUESTIONS
from threadlift.clinic.errors import InvalidInput
from threadlift.clinic.portal import LINK_KINDS, CheckIn, DraftEvent, OutboxMessage, Questionnaire
from threadlift.clinic.questionnaire import NAME as QUESTIONNAIRE
from threadlift.clinic.roles import Permission, allowed
from threadlift.clinic.staff import User
from threadlift.services.base import Services, record, require
from threadlift.services.checkins import UrgentDraft, urgent_drafts
from threadlift.services.portal import queue_invitation

MESSAGES_SHOWN = 10


@dataclass(frozen=True)
class EpisodePortal:
    episode_id: UUID
    state: str
    questionnaire: Questionnaire | None
    aftercare_acknowledged: bool
    check_ins: list[CheckIn]


@dataclass(frozen=True)
class PortalStatus:
    patient_id: UUID
    has_email: bool
    invited_at: datetime | None
    signed_in_at: datetime | None
    episodes: list[EpisodePortal]
    messages: list[OutboxMessage]
    clinical: bool  # the reader may see questionnaires and triage (not reception)


def portal_status(svc: Services, actor: User, patient_id: UUID) -> PortalStatus:
    """What the patient page shows: invited, signed in, questionnaire, aftercare, check-ins and their triage."""
    require(actor, Permission.DEMOGRAPHICS_READ)
    clinical = allowed(actor.role, Permission.MEDICAL_READ)
    with svc.uow(logs_reads=True) as uow:
        patient = uow.patients.get(patient_id)
        invited, signed_in = uow.portal.link_times(str(patient_id))
        acknowledged = {r.episode_id for r in uow.portal.readings(str(patient_id))
                        if r.document == "aftercare" and r.kind == "acknowledged"}
        episodes = [EpisodePortal(e.id, e.state.value,
                                  uow.portal.questionnaire(str(e.id), QUESTIONNAIRE) if clinical else None,
                                  str(e.id) in acknowledged, uow.portal.check_ins(str(e.id)) if clinical else [])
                    for e in uow.episodes.for_patient(patient_id)]
        messages = uow.outbox.of_patient(str(patient_id), MESSAGES_SHOWN)
        record(uow, svc, actor, "read", "portal_status", patient_id)
        uow.commit()
    return PortalStatus(patient_id, bool(patient.email), invited, signed_in, episodes, messages, clinical)


# A check-in still untriaged this long after its answers (the worker retries every 15 s) is shown to staff.
UNTRIAGED_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Untriaged:
    check_in: CheckIn
    patient_name: str


@dataclass
class PortalBoard:
    urgent: list[UrgentDraft] | None = None  # None: the reader may not see clinical drafts
    untriaged: list[Untriaged] = field(default_factory=list)  # answers the triage has failed on: read them
    undeliverable: list[OutboxMessage] = field(default_factory=list)
    mail_configured: bool = True


def board(svc: Services, actor: User) -> PortalBoard:
    """The dashboard's part: drafted adverse events from red-flag check-ins (urgent), e-mails not delivered."""
    require(actor, Permission.EPISODE_STATUS_READ)
    found = PortalBoard(mail_configured=svc.settings.smtp_url is not None)
    if allowed(actor.role, Permission.MEDICAL_READ):
        found.urgent = urgent_drafts(svc, actor)
        found.untriaged = untriaged(svc, actor)
    if allowed(actor.role, Permission.DEMOGRAPHICS_READ):
        with svc.uow(read_only=True) as uow:
            found.undeliverable = uow.outbox.failed(25)
    return found


@dataclass(frozen=True)
class CheckInView:
    """A check-in as the clinician reads it: each question with the patient's answer, the triage's rules with
    their sources, the photo, and the adverse event it drafted (if any)."""

    check_in: CheckIn
    patient_name: str
    answers: list[tuple[str, str, str]]  # (question key, question as the patient read it, answer in words)
    comment: str
    draft: DraftEvent | None
    rules: list[tuple[str, str]]  # (rule key, its source in thread-lift-clinical.md), most urgent first


def _answer_text(key: str, value: object) -> str:
    if value is None:
        return "not answered"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value} of 10" if key == "pain_score" else str(value)


def check_in_for_staff(svc: Services, actor: User, check_in_id: str) -> CheckInView:
    """One check-in with the patient's answers, for the clinician (page and API alike); an audited read."""
    require(actor, Permission.MEDICAL_READ)
    with svc.uow(logs_reads=True) as uow:
        check_in = uow.portal.check_in(check_in_id)
        patient = uow.patients.get(check_in.patient_id)
        draft = next((d for status in ("draft", "confirmed", "dismissed")
                      for d in uow.portal.drafts(status=status, episode_id=check_in.episode_id)
                      if d.check_in_id == check_in.id), None)
        record(uow, svc, actor, "read", "check_in", check_in.id, episode=check_in.episode_id)
        uow.commit()
    given = check_in.answers or {}
    answers = [(key, question, _answer_text(key, given.get(key))) for key, question in QUESTIONS.items()] \
        if check_in.answers else []
    triage = check_in.triage or {}
    keys, sources = triage.get("rules"), triage.get("sources")
    rules = list(zip(map(str, keys), map(str, sources), strict=False)) \
        if isinstance(keys, list) and isinstance(sources, list) else []
    return CheckInView(check_in, f"{patient.family_name}, {patient.given_name}", answers,
                       str(given.get("comment") or ""), draft, rules)


def untriaged(svc: Services, actor: User) -> list[Untriaged]:
    """Check-ins answered more than :data:`UNTRIAGED_AFTER` ago that the triage has not finished (it keeps
    failing): a clinician reads the answers, since no rule has looked at them."""
    require(actor, Permission.MEDICAL_READ)
    before = svc.clock() - UNTRIAGED_AFTER
    with svc.uow(logs_reads=True) as uow:
        stuck = [c for c in uow.portal.check_ins_to_triage(25) if c.answered_at is not None and c.answered_at <= before]
        found = []
        for check_in in stuck:
            patient = uow.patients.get(check_in.patient_id)
            found.append(Untriaged(check_in, f"{patient.family_name}, {patient.given_name}"))
        if found:
            record(uow, svc, actor, "read", "check_in", None, untriaged=len(found))
        uow.commit()
    return found


def resend(svc: Services, actor: User, message_id: str) -> None:
    """Staff send an undeliverable e-mail again (after fixing the address or the mail server). A sign-in
    e-mail's link has expired by then: the patient is sent a new invitation instead, which replaces it."""
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    with svc.uow() as uow:
        message = uow.outbox.get(message_id)
        if message.kind in LINK_KINDS and message.patient_id is not None:
            if not uow.outbox.replace(message_id):
                raise InvalidInput("this message is not waiting to be sent again; reload the dashboard",
                                   rule="resend")
            queue_invitation(uow, svc, actor, message.patient_id)
        elif not uow.outbox.requeue(message_id, svc.clock()):
            raise InvalidInput("this message is not waiting to be sent again; reload the dashboard", rule="resend")
        record(uow, svc, actor, "resend", "message", message_id)
        uow.commit()
    svc.outbox_wake.set()
