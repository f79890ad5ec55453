"""The staff side of the portal: a patient's portal status, the dashboard's urgent drafts and undeliverable
e-mails, and sending an e-mail again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from threadlift.clinic.errors import InvalidInput
from threadlift.clinic.portal import LINK_KINDS, CheckIn, OutboxMessage, Questionnaire
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


@dataclass
class PortalBoard:
    urgent: list[UrgentDraft] | None = None  # None: the reader may not see clinical drafts
    undeliverable: list[OutboxMessage] = field(default_factory=list)
    mail_configured: bool = True


def board(svc: Services, actor: User) -> PortalBoard:
    """The dashboard's part: drafted adverse events from red-flag check-ins (urgent), e-mails not delivered."""
    require(actor, Permission.EPISODE_STATUS_READ)
    found = PortalBoard(mail_configured=svc.settings.smtp_url is not None)
    if allowed(actor.role, Permission.MEDICAL_READ):
        found.urgent = urgent_drafts(svc, actor)
    if allowed(actor.role, Permission.DEMOGRAPHICS_READ):
        with svc.uow(read_only=True) as uow:
            found.undeliverable = uow.outbox.failed(25)
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
