"""The patient portal's use cases: sign-in by a one-time e-mailed link, portal sessions, and what a patient
reads and writes: the questionnaire, the procedure information, the consent, the aftercare.

The actor is a :class:`PortalPatient`, never a staff :class:`User`: no use case here takes a staff
member, and no staff use case takes a patient, so the two kinds of session cannot cross. Every read and
write is in the audit trail (user None, ``by: patient``, the patient's id as the entity or in the detail).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from uuid import UUID, uuid4

from threadlift.clinic.consent import ConsentDocument, PhotoConsent
from threadlift.clinic.discharge import AFTERCARE_SHEETS
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.errors import DomainError, InvalidInput, NotFound
from threadlift.clinic.patient import Patient
from threadlift.clinic.portal import LINK_MINUTES, CheckIn, Questionnaire, Reading
from threadlift.clinic.questionnaire import NAME as QUESTIONNAIRE
from threadlift.clinic.questionnaire import HistoryAnswers, changed_fields
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.services.base import Services, record, require
from threadlift.services.outbox import portal_url, queue
from threadlift.services.ports import UnitOfWork

# "Send me a new link": at most this many per address, and per client, in the window; past that the
# answer is the same and nothing is sent.
LINKS_PER_ADDRESS = 3
LINKS_PER_CLIENT = 10
LINK_REQUEST_WINDOW = timedelta(minutes=15)
MAX_ADDRESS_CHARACTERS = 200
PROCEDURE_INFORMATION = "procedure_information"


class LinkRefused(DomainError):
    """A sign-in link that cannot be used: unknown, expired or used (``problem``)."""

    rule = "portal_link"

    def __init__(self, problem: str) -> None:
        super().__init__(f"this sign-in link is {problem}")
        self.problem = problem


@dataclass(frozen=True)
class PortalPatient:
    """Who is signed in to the portal: one patient, by id."""

    patient_id: str


@dataclass(frozen=True)
class PortalSignIn:
    token: str
    expires_at: datetime
    patient: PortalPatient


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log(uow: UnitOfWork, svc: Services, who: PortalPatient | None, action: str, entity_type: str,
        entity_id: object = None, **detail: object) -> None:
    """The audit row of a portal read or write: no staff user; the patient named in the detail."""
    if who is not None:
        detail = {"by": "patient", "patient": who.patient_id, **detail}
    uow.log(at=svc.clock(), user_id=None, action=action, entity_type=entity_type,
            entity_id=None if entity_id is None else str(entity_id), detail=detail)


# -- sign-in -------------------------------------------------------------------------------------


def _new_link(uow: UnitOfWork, svc: Services, patient: Patient) -> str:
    token = secrets.token_urlsafe(32)
    now = svc.clock()
    uow.portal.add_link(token_hash(token), str(patient.id), now, now + timedelta(minutes=LINK_MINUTES))
    return portal_url(svc, f"/portal/sign-in/{token}")


def invite(svc: Services, actor: User, patient_id: UUID) -> datetime:
    """Staff (re)send the portal invitation: a new one-time link to the address on the record."""
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    with svc.uow() as uow:
        queue_invitation(uow, svc, actor, patient_id)
        uow.commit()
    svc.outbox_wake.set()  # the message is committed: the worker sends it now
    return svc.clock()


def queue_invitation(uow: UnitOfWork, svc: Services, actor: User, patient_id: UUID | str) -> None:
    """A new one-time link to the address on the record, queued in the caller's unit of work (audited)."""
    patient = uow.patients.get(patient_id)
    if not patient.email:
        raise InvalidInput("this patient has no e-mail address on record; add one to invite them",
                           rule="email_required")
    link = _new_link(uow, svc, patient)
    queue(uow, svc, "invitation", patient.email, patient_id=str(patient.id), link=link, minutes=LINK_MINUTES)
    record(uow, svc, actor, "portal_invite", "patient", patient.id)


def request_link(svc: Services, address: str, client: str) -> None:
    """"Send me a new sign-in link": one to each patient with this address on record, within the rate
    limits. Returns nothing and raises nothing for an unknown address: the answer never tells whether
    the address is on record."""
    wanted = address.strip().lower()
    if not wanted or len(wanted) > MAX_ADDRESS_CHARACTERS or "@" not in wanted:
        raise InvalidInput("enter the e-mail address the clinic has for you", rule="email")
    now = svc.clock()
    by_address, by_client = token_hash("address:" + wanted), token_hash("client:" + client)
    with svc.uow() as uow:
        allowed = (uow.portal.link_requests(by_address, now - LINK_REQUEST_WINDOW) < LINKS_PER_ADDRESS
                   and uow.portal.link_requests(by_client, now - LINK_REQUEST_WINDOW) < LINKS_PER_CLIENT)
        forget = now - LINK_REQUEST_WINDOW
        uow.portal.add_link_request(by_address, now, forget)
        uow.portal.add_link_request(by_client, now, forget)
        sent = 0
        if allowed:
            for patient in uow.portal.patients_with_email(wanted):
                assert patient.email
                link = _new_link(uow, svc, patient)
                queue(uow, svc, "sign_in", patient.email, patient_id=str(patient.id), link=link,
                      minutes=LINK_MINUTES)
                sent += 1
        log(uow, svc, None, "portal_link_request", "portal", None, limited=not allowed, sent=sent)
        uow.commit()
    if sent:
        svc.outbox_wake.set()


def sign_in(svc: Services, token: str) -> PortalSignIn:
    """Use a one-time link: a portal session for its patient, or :class:`LinkRefused`."""
    now = svc.clock()
    with svc.uow() as uow:
        patient_id, problem = uow.portal.use_link(token_hash(token), now)
        if patient_id is None:
            log(uow, svc, None, "portal_refused", "portal", None, problem=problem)
            uow.commit()
            raise LinkRefused(problem or "unknown")
        session = secrets.token_urlsafe(32)
        expires = now + timedelta(hours=svc.settings.session_max_hours)
        uow.portal.start_session(token_hash(session), patient_id, now, expires)
        who = PortalPatient(patient_id)
        log(uow, svc, who, "portal_sign_in", "patient", patient_id)
        uow.commit()
    return PortalSignIn(session, expires, who)


def session_of(svc: Services, token: str) -> tuple[PortalPatient | None, bool]:
    """The patient of a live portal session, and whether the session row needs a write. Reads only."""
    with svc.uow(read_only=True) as uow:
        patient_id, stale = uow.portal.session_patient(token_hash(token), svc.clock(),
                                                       svc.settings.session_idle_minutes)
    return (None if patient_id is None else PortalPatient(patient_id)), stale is not None


def refresh_session(svc: Services, token: str, *, expired: bool) -> None:
    with svc.uow() as uow:
        uow.portal.touch_session(token_hash(token), svc.clock(), expired=expired)
        uow.commit()


def sign_out(svc: Services, who: PortalPatient, token: str) -> None:
    with svc.uow() as uow:
        uow.portal.end_session(token_hash(token))
        log(uow, svc, who, "portal_sign_out", "patient", who.patient_id)
        uow.commit()


# -- what the patient sees -----------------------------------------------------------------------


@dataclass(frozen=True)
class PortalEpisode:
    episode: Episode
    questionnaire: Questionnaire | None
    consent_document: ConsentDocument | None  # the version to read before the visit, or the one signed
    aftercare_version: str | None
    aftercare_acknowledged: bool
    check_ins: list[CheckIn]

    @property
    def before_procedure(self) -> bool:
        return self.episode.state in (State.CONSULTATION, State.ASSESSED, State.CONSENTED, State.PLANNED)


@dataclass(frozen=True)
class PortalHome:
    patient: Patient
    episodes: list[PortalEpisode]
    photo_consents: list[PhotoConsent]
    readings: list[Reading] = field(default_factory=list)

    def has_read(self, document: str, version: str) -> bool:
        return any(r.document == document and r.version == version for r in self.readings)

    @property
    def read_information(self) -> bool:
        """Whether the patient has read the current version of the procedure information."""
        return self.has_read(PROCEDURE_INFORMATION, procedure_information()[0])


def home(svc: Services, who: PortalPatient) -> PortalHome:
    """The patient's own record as the portal shows it (one audited read)."""
    with svc.uow(logs_reads=True) as uow:
        patient = uow.patients.get(who.patient_id)
        readings = uow.portal.readings(who.patient_id)
        acknowledged = {(r.episode_id, r.version) for r in readings if r.kind == "acknowledged"
                        and r.document == "aftercare"}
        episodes = []
        for episode in uow.episodes.for_patient(who.patient_id):
            if episode.state is State.CANCELLED:
                continue
            aftercare = episode.discharge.aftercare_version if episode.discharge else None
            episodes.append(PortalEpisode(
                episode, uow.portal.questionnaire(str(episode.id), QUESTIONNAIRE), _consent_document(uow, episode),
                aftercare, (str(episode.id), aftercare) in acknowledged, uow.portal.check_ins(str(episode.id))))
        consents = uow.consents.photo_consents(who.patient_id)
        log(uow, svc, who, "portal_read", "patient", who.patient_id, part="home")
        uow.commit()
    episodes.sort(key=lambda e: e.episode.opened_at, reverse=True)
    return PortalHome(patient, episodes, consents, readings)


def _consent_document(uow: UnitOfWork, episode: Episode) -> ConsentDocument | None:
    if episode.consent is not None:
        return uow.consents.document(episode.consent.procedure_type, episode.consent.document_version)
    try:
        return uow.consents.document("thread_lift")
    except NotFound:
        return None


def own_episode(uow: UnitOfWork, who: PortalPatient, episode_id: UUID | str) -> Episode:
    """The patient's own episode; anyone else's is "not found" (never "not yours")."""
    try:
        episode = uow.episodes.get(episode_id)
    except NotFound:
        episode = None
    if episode is None or str(episode.patient_id) != who.patient_id:
        raise NotFound("there is no such record in your portal")
    return episode


def procedure_information() -> tuple[str, str]:
    """(version, text) of the patient information about the procedure and its risks."""
    text = resources.files("threadlift.clinic").joinpath("data", "procedure_information.md").read_text("utf-8")
    version = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("version:"))
    return version, text


def read_document(svc: Services, who: PortalPatient, document: str, episode_id: UUID | None = None) -> tuple[
        str, str, str]:
    """(title, version, text) of a document the patient reads, the reading recorded: the procedure
    information, the consent version of an episode, or its aftercare sheet."""
    with svc.uow() as uow:
        episode = own_episode(uow, who, episode_id) if episode_id is not None else None
        if document == PROCEDURE_INFORMATION:
            version, text = procedure_information()
            title = "About a facial thread lift"
        elif document == "consent" and episode is not None:
            found = _consent_document(uow, episode)
            if found is None:
                raise NotFound("the clinic has not published its consent form yet")
            title, version, text = found.title, found.version, found.text
        elif document == "aftercare" and episode is not None and episode.discharge is not None:
            sheet = AFTERCARE_SHEETS[episode.discharge.aftercare_version]
            title, version, text = "Your aftercare", sheet.version, sheet.text
        else:
            raise NotFound("there is no such document in your portal")
        uow.portal.add_reading(Reading(who.patient_id, None if episode is None else str(episode.id), document,
                                       version, "read", svc.clock()))
        log(uow, svc, who, "portal_read", "document", episode_id, document=document, version=version)
        uow.commit()
    return title, version, text


def acknowledge_aftercare(svc: Services, who: PortalPatient, episode_id: UUID, version: str) -> None:
    """The patient confirms having read the aftercare sheet given at discharge (once is enough)."""
    with svc.uow() as uow:
        episode = own_episode(uow, who, episode_id)
        if episode.discharge is None or episode.discharge.aftercare_version != version:
            raise InvalidInput("this aftercare sheet is not the one given to you; reload the page",
                               rule="aftercare_version")
        if not any(r.document == "aftercare" and r.kind == "acknowledged" and r.episode_id == str(episode_id)
                   and r.version == version for r in uow.portal.readings(who.patient_id)):
            uow.portal.add_reading(Reading(who.patient_id, str(episode_id), "aftercare", version, "acknowledged",
                                           svc.clock()))
        log(uow, svc, who, "portal_acknowledge", "episode", episode_id, document="aftercare", version=version)
        uow.commit()


def signed_consent_pdf(svc: Services, who: PortalPatient, episode_id: UUID) -> bytes:
    """The patient's copy of the consent they signed, as the clinic's PDF."""
    from threadlift.services import documents

    with svc.uow(read_only=True) as uow:
        own_episode(uow, who, episode_id)
    pdf, _ = documents.document(svc, None, episode_id, "consent")
    with svc.uow() as uow:
        log(uow, svc, who, "portal_read", "document", episode_id, document="signed_consent", bytes=len(pdf))
        uow.commit()
    return pdf


# -- the questionnaire ---------------------------------------------------------------------------


def submit_questionnaire(svc: Services, who: PortalPatient, episode_id: UUID, answers: HistoryAnswers) -> Questionnaire:
    """The patient's medical history before the visit. Sent twice, it is still one record (the second
    replaces the first) until the clinician has reviewed it; after that the clinic holds it."""
    document = answers.model_dump(mode="json")
    with svc.uow() as uow:
        episode = own_episode(uow, who, episode_id)
        if episode.state is not State.CONSULTATION:
            raise InvalidInput("the consultation has been recorded; tell the clinic about any change",
                               rule="questionnaire_closed")
        found = uow.portal.questionnaire(str(episode_id), QUESTIONNAIRE)
        if found is not None and found.reviewed_at is not None:
            raise InvalidInput("the clinician has reviewed your answers; tell the clinic about any change",
                               rule="questionnaire_reviewed")
        now = svc.clock()
        if found is None:
            found = Questionnaire(str(uuid4()), str(episode_id), who.patient_id, QUESTIONNAIRE, document, now)
            uow.portal.add_questionnaire(found)
        elif found.answers != document:
            uow.portal.resubmit_questionnaire(found.id, document, now)
        log(uow, svc, who, "portal_submit", "questionnaire", found.id, episode=str(episode_id))
        uow.commit()
        return uow.portal.questionnaire(str(episode_id), QUESTIONNAIRE) or found


@dataclass(frozen=True)
class QuestionnaireReview:
    episode: Episode
    patient: Patient
    questionnaire: Questionnaire | None
    patient_answers: HistoryAnswers | None
    confirmed: HistoryAnswers | None


def questionnaire_for_review(svc: Services, actor: User, episode_id: UUID) -> QuestionnaireReview:
    require(actor, Permission.MEDICAL_READ)
    with svc.uow(logs_reads=True) as uow:
        episode = uow.episodes.get(episode_id)
        patient = uow.patients.get(episode.patient_id)
        found = uow.portal.questionnaire(str(episode_id), QUESTIONNAIRE)
        record(uow, svc, actor, "read", "questionnaire", found.id if found else None, episode=str(episode_id))
        uow.commit()
    return QuestionnaireReview(
        episode, patient, found, HistoryAnswers.model_validate(found.answers) if found else None,
        HistoryAnswers.model_validate(found.confirmed) if found and found.confirmed else None)


def review_questionnaire(svc: Services, actor: User, episode_id: UUID, confirmed: HistoryAnswers) -> list[str]:
    """The clinician confirms the history, corrected where needed; what they changed is kept beside what
    the patient entered. Returns the changed fields."""
    require(actor, Permission.MEDICAL_WRITE)
    document = confirmed.model_dump(mode="json")
    with svc.uow() as uow:
        found = uow.portal.questionnaire(str(episode_id), QUESTIONNAIRE)
        if found is None:
            raise NotFound("the patient has not sent a questionnaire for this episode")
        changes = changed_fields(found.answers, document)
        uow.portal.review_questionnaire(found.id, confirmed=document, changes=changes, at=svc.clock(), by=actor.id)
        record(uow, svc, actor, "review", "questionnaire", found.id, episode=str(episode_id), changed=len(changes))
        uow.commit()
    return changes


def confirmed_history(svc: Services, actor: User, episode_id: UUID) -> HistoryAnswers | None:
    """The history as the clinician confirmed it from the patient's questionnaire (for the consultation form)."""
    require(actor, Permission.MEDICAL_READ)
    with svc.uow(read_only=True) as uow:
        found = uow.portal.questionnaire(str(episode_id), QUESTIONNAIRE)
    if found is None or found.confirmed is None:
        return None
    return HistoryAnswers.model_validate(found.confirmed)
