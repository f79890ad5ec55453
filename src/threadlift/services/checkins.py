"""Check-ins after the procedure: scheduled from the procedure's end (hours in settings), the patient
invited by e-mail, the answers stored before anything else happens, then triaged by the rules of
:mod:`threadlift.clinic.checkin`. A red flag drafts an adverse event linked to the procedure and its lots,
puts it on the dashboard as urgent and e-mails the clinician on call, in one transaction.

If the triage or the e-mail fails, the answers are already committed: the worker triages what is still
pending on its next pass, and the outbox retries the e-mail.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import UUID, uuid4

from threadlift.clinic.adverse import TIER, AdverseEvent, EventType
from threadlift.clinic.checkin import EMERGENCY_NUMBERS, CheckInAnswers, Level, Triage, triage
from threadlift.clinic.consent import PhotoScope
from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import InvalidInput, NotFound
from threadlift.clinic.photos import PhotoRecord, PhotoStage
from threadlift.clinic.portal import CheckIn, DraftEvent
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.face.errors import PhotoError
from threadlift.services.base import Services, record, require
from threadlift.services.outbox import portal_url, queue
from threadlift.services.photos import MAX_UPLOAD_BYTES, VIEWS
from threadlift.services.portal import PortalPatient, log
from threadlift.services.ports import UnitOfWork
from threadlift.store.exif import strip_location

logger = logging.getLogger("threadlift.checkins")
BATCH = 50


def schedule_for(svc: Services, episode: Episode) -> list[CheckIn]:
    """The check-ins of an episode whose procedure has ended: one per configured number of hours after it."""
    if episode.procedure is None or episode.procedure.ended_at is None:
        return []
    ended = episode.procedure.ended_at
    window = timedelta(hours=svc.settings.check_in_window_hours)
    return [CheckIn(id=str(uuid4()), episode_id=str(episode.id), patient_id=str(episode.patient_id),
                    name=f"{hours}h", after_hours=hours, opens_at=ended + timedelta(hours=hours),
                    closes_at=ended + timedelta(hours=hours) + window)
            for hours in svc.settings.check_in_hours]


def schedule_check_ins(svc: Services) -> int:
    """Worker task: check-ins for every procedure that ended recently (within the last check-in's hours and a
    day) and has none yet; none whose window has closed already (the worker was not running then)."""
    made = 0
    now = svc.clock()
    since = now - timedelta(hours=max(svc.settings.check_in_hours, default=0) + 24)
    with svc.uow() as uow:
        for episode_id in uow.portal.episodes_without_check_ins(since, BATCH):
            planned = [c for c in schedule_for(svc, uow.episodes.get(episode_id)) if c.closes_at > now]
            if planned:
                uow.portal.add_check_ins(planned)
                record(uow, svc, None, "schedule", "check_in", episode_id, count=len(planned))
                made += len(planned)
        uow.commit()
    return made


def invite_check_ins(svc: Services) -> int:
    """Worker task: e-mail each patient whose check-in is open (once: the dedupe key)."""
    invited = 0
    with svc.uow() as uow:
        for check_in in uow.portal.check_ins_to_invite(svc.clock(), BATCH):
            patient = uow.patients.get(check_in.patient_id)
            if patient.email:
                queue(uow, svc, "check_in", patient.email, patient_id=check_in.patient_id,
                      dedupe_key=f"check_in:{check_in.id}", link=portal_url(svc, "/portal"))
            uow.portal.mark_invited(check_in.id, svc.clock())
            invited += 1
        uow.commit()
    return invited


def announce_aftercare(svc: Services) -> int:
    """Worker task: tell each patient discharged in the last two days that their aftercare is in the portal
    (once: the dedupe key), so they can read and confirm it at home."""
    announced = 0
    since = svc.clock() - timedelta(days=2)
    with svc.uow() as uow:
        for episode_id in uow.portal.discharged_since(since, BATCH):
            episode = uow.episodes.get(episode_id)
            patient = uow.patients.get(episode.patient_id)
            if episode.discharge is not None and patient.email:
                announced += queue(uow, svc, "aftercare", patient.email, patient_id=str(patient.id),
                                   dedupe_key=f"aftercare:{episode_id}", link=portal_url(svc, "/portal"))
        uow.commit()
    return announced


@dataclass(frozen=True)
class Advice:
    """What the patient is told the moment they send their answers."""

    level: str  # expected, review, call_clinic, emergency, or pending (triage not done yet)
    headline: str
    text: str
    late: bool = False
    photo_lost: bool = False  # a photo came but could not be processed: the answers were kept without it


def advice_for(svc: Services, level: Level | None, *, late: bool = False) -> Advice:
    phone = svc.settings.clinic_phone
    call = f"call the clinic on {phone}" if phone else "call the clinic"
    emergency = EMERGENCY_NUMBERS.get(str(svc.policy.jurisdiction.value), "your emergency number")
    if level is Level.EMERGENCY:
        return Advice(level.value, "Get emergency care now",
                      f"Call {emergency} or go to the nearest emergency department now, and say you had a thread "
                      f"lift. Then {call}. The clinic has been alerted.", late)
    if level is Level.CALL_CLINIC:
        return Advice(level.value, "Call the clinic now",
                      f"Please {call} now, today. If you cannot reach the clinic and feel unwell, call {emergency}. "
                      "The clinic has been alerted.", late)
    if level is Level.REVIEW:
        return Advice(level.value, "Thank you: the clinic will look at this",
                      f"This is not urgent; the clinic will review it with you at your next contact. If it gets "
                      f"worse, {call}.", late)
    if level is Level.EXPECTED:
        return Advice(level.value, "Thank you: this is part of a usual recovery",
                      f"Keep following your aftercare. If anything gets worse, {call}.", late)
    return Advice("pending", "Thank you: your answers are saved",
                  f"The clinic will look at them shortly. If you have a fever, pus, spreading redness, new weakness of "
                  f"the face or a change in your eyesight, {call} now, or call {emergency}.", late)


# What the patient, taking their own photo at home, should change: the camera page's quality gate by its issue
# codes (face/quality.py), in words for the patient rather than for staff photographing them.
PATIENT_PHOTO_HINTS = {
    "face_too_small": "Hold the camera closer, so your face fills about a third of the picture.",
    "multiple_faces": "Take the photo of yourself alone, with no other faces in it.",
    "face_cut_off": "Make sure your whole head is in the picture.",
    "iris_scale_implausible": "Take the photo straight on, at arm's length, in good light, eyes uncovered.",
    "yaw": "Face the camera straight on, looking into the lens.",
    "pitch": "Keep your chin level: hold the camera at the height of your eyes, not below.",
    "roll": "Keep your head upright and hold the camera level, not tilted.",
    "blur": "The photo is blurred: hold the camera still (lean it on something) and use more light.",
    "underexposed": "The photo is too dark: face a window or a lamp.",
    "overexposed": "The photo is too bright: turn off the flash and avoid direct sunlight.",
    "eyes_closed": "Keep your eyes open and look at the lens.",
    "mouth_open": "Close your lips gently, teeth together.",
    "smiling": "Keep a relaxed face, without smiling.",
}


class PhotoNeedsRetake(InvalidInput):
    """The check-in photo failed the quality gate: what to change; the patient may send it anyway."""

    rule = "photo_quality"

    def __init__(self, issues: list[str]) -> None:
        super().__init__("the photo is not good enough to compare: " + "; ".join(issues))
        self.issues = issues


def _check_in_photo(svc: Services, who: PortalPatient, check_in: CheckIn, data: bytes,
                    send_anyway: bool) -> PhotoRecord:
    """The photo analysed by the clinic's own quality gate (the camera page's), not stored yet. A photo
    that fails it is refused with what to change, unless the patient sends it anyway (it is marked)."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"the photo is larger than {MAX_UPLOAD_BYTES // 2**20} MB; send a smaller one",
                           rule="too_large")
    with svc.uow(read_only=True) as uow:
        consents = uow.consents.photo_consents(who.patient_id)
    if not any(c.allows(PhotoScope.CLINICAL_RECORD, svc.clock()) for c in consents):
        raise InvalidInput("the clinic has no consent from you to keep photos; send your answers without the photo",
                           rule="photo_consent")
    document = dict(svc.analyser.summarise(data).document)  # PhotoError: not a usable photo of a face
    document["image"] = {**document["image"], "path": None}
    quality = document["quality"]
    if not quality["ok"] and not send_anyway:
        raise PhotoNeedsRetake(list(dict.fromkeys(PATIENT_PHOTO_HINTS.get(str(i["code"]), str(i["message"]))
                                                  for i in quality["issues"])))
    stored, content_type, removed = strip_location(data)
    view = document["view"] if document["view"] in VIEWS else "frontal"
    return PhotoRecord(patient_id=UUID(who.patient_id), episode_id=UUID(check_in.episode_id), view=view,
                       stage=PhotoStage.CHECK_IN, stored_name=svc.vault.put(stored),
                       original_sha256=hashlib.sha256(data).hexdigest(),
                       stored_sha256=hashlib.sha256(stored).hexdigest(), content_type=content_type,
                       size_bytes=len(stored), location_removed=removed, uploaded_at=svc.clock(),
                       uploaded_by="portal", quality_ok=bool(quality["ok"]), analysis=document)


def answer(svc: Services, who: PortalPatient, check_in_id: str, answers: CheckInAnswers, *,
           photo: bytes | None = None, send_anyway: bool = False) -> Advice:
    """Store the patient's answers (kept whatever happens next; after the window they are kept and marked
    late), with the photo if one came, then triage them at once. A second sending changes nothing."""
    now = svc.clock()
    with svc.uow(read_only=True) as uow:
        try:
            check_in = uow.portal.check_in(check_in_id)
        except NotFound:
            check_in = None
    if check_in is None or check_in.patient_id != who.patient_id:
        raise NotFound("there is no such check-in in your portal")
    if now < check_in.opens_at:
        opens = svc.wall_clock(check_in.opens_at)
        raise InvalidInput(f"this check-in opens on {svc.day_text(opens)} at {opens:%H:%M}", rule="check_in_not_open")
    picture, photo_lost = None, False
    if photo and check_in.answered_at is None:
        try:
            picture = _check_in_photo(svc, who, check_in, photo, send_anyway)
        except (InvalidInput, PhotoError):
            raise  # what to change is the patient's to decide: nothing is stored yet
        except Exception:  # the analyser failed (its worker died...): the answers matter more than the photo
            logger.exception("check-in %s: the photo could not be processed; answers kept without it", check_in_id)
            photo_lost = True
    with svc.uow() as uow:
        late = now > check_in.closes_at
        stored = uow.portal.answer_check_in(check_in_id, answers=answers.model_dump(mode="json"), at=now, late=late,
                                            photo_id=None if picture is None else str(picture.id),
                                            photo_quality_ok=None if picture is None else picture.quality_ok)
        if stored and picture is not None:
            uow.photos.add(picture)
            log(uow, svc, who, "create", "photo", picture.id, episode=check_in.episode_id,
                quality_ok=picture.quality_ok)
        log(uow, svc, who, "portal_submit", "check_in", check_in_id, late=late, again=not stored)
        uow.commit()
    if not stored:
        with svc.uow(read_only=True) as uow:
            done = uow.portal.check_in(check_in_id)
        level = Level(done.triage_level) if done.triage_level else None
        return advice_for(svc, level, late=done.late)
    try:
        found = triage_check_in(svc, check_in_id)
    except Exception:  # the answers are committed; the worker triages them on its next pass
        logger.exception("triage of check-in %s failed; left for the worker", check_in_id)
        svc.outbox_wake.set()
        return replace(advice_for(svc, None, late=late), photo_lost=photo_lost)
    return replace(advice_for(svc, found.level if found else None, late=late), photo_lost=photo_lost)


def triage_check_in(svc: Services, check_in_id: str) -> Triage | None:
    """Triage an answered check-in; on a red flag, draft the adverse event and alert the clinician on call,
    in the same transaction. None: it was triaged already (by the worker, or another request)."""
    with svc.uow() as uow:
        check_in = uow.portal.check_in(check_in_id)
        if check_in.triage_status != "pending" or check_in.answers is None:
            return None
        episode = uow.episodes.get(check_in.episode_id)
        answers = CheckInAnswers.model_validate(check_in.answers)
        ended = episode.procedure.ended_at if episode.procedure and episode.procedure.ended_at else check_in.opens_at
        hours = max(0, int(((check_in.answered_at or svc.clock()) - ended).total_seconds() // 3600))
        found = triage(answers, hours, svc.policy.dimpling_review_days)
        if not uow.portal.save_triage(check_in_id, found.level.value, found.as_dict()):
            return None
        if found.red_flag:
            _raise_alarm(uow, svc, check_in, episode, found)
        record(uow, svc, None, "triage", "check_in", check_in_id, level=found.level.value, rules=list(found.rules))
        uow.commit()
    if found.red_flag:
        svc.outbox_wake.set()  # the alert is committed: the worker sends it now
    return found


def _raise_alarm(work: UnitOfWork, svc: Services, check_in: CheckIn, episode: Episode, found: Triage) -> None:
    lots = sorted({str(t.lot_id) for t in episode.placed_threads()})  # not a lot recorded in error
    event_type = found.event_type or EventType.OTHER
    draft = DraftEvent(id=str(uuid4()), episode_id=str(episode.id), patient_id=str(episode.patient_id),
                       check_in_id=check_in.id, type=event_type.value, tier="U",
                       onset_on=svc.date_of(check_in.answered_at or svc.clock()), lot_ids=lots,
                       reasons=list(found.red_flags), status="draft", created_at=svc.clock())
    work.portal.add_draft(draft)
    record(work, svc, None, "draft", "adverse_event", draft.id, episode=str(episode.id), type=draft.type,
           level=found.level.value)
    on_call = svc.settings.on_call_email
    if on_call:
        level_text = "emergency care advised" if found.level is Level.EMERGENCY else "patient told to call the clinic"
        queue(work, svc, "red_flag_alert", on_call, dedupe_key=f"red_flag:{check_in.id}",
              link=portal_url(svc, "/"), level_text=level_text)
    else:
        logger.warning("no THREADLIFT_ONCALL_EMAIL: red-flag check-in %s is on the dashboard only", check_in.id)


def triage_pending(svc: Services) -> int:
    """Worker task: triage what was answered but not triaged (a triage that failed at the time)."""
    with svc.uow(read_only=True) as uow:
        pending = [c.id for c in uow.portal.check_ins_to_triage(BATCH)]
    return sum(1 for check_in_id in pending if triage_check_in(svc, check_in_id) is not None)


# -- staff side ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UrgentDraft:
    draft: DraftEvent
    patient_name: str
    check_in: CheckIn


def urgent_drafts(svc: Services, actor: User, *, episode_id: UUID | None = None) -> list[UrgentDraft]:
    require(actor, Permission.MEDICAL_READ)
    with svc.uow(logs_reads=True) as uow:
        drafts = uow.portal.drafts(status="draft", episode_id=None if episode_id is None else str(episode_id))
        found = []
        for draft in drafts:
            patient = uow.patients.get(draft.patient_id)
            found.append(UrgentDraft(draft, f"{patient.family_name}, {patient.given_name}",
                                     uow.portal.check_in(draft.check_in_id)))
        record(uow, svc, actor, "read", "adverse_event_draft", None, count=len(found))
        uow.commit()
    return found


def confirm_draft(svc: Services, actor: User, draft_id: str, *, severity: int, description: str | None,
                  serious: bool = False) -> AdverseEvent:
    """The clinician confirms a drafted adverse event into the episode's record (and so the register)."""
    require(actor, Permission.ADVERSE_WRITE)
    if not 1 <= severity <= 3:
        raise InvalidInput("severity is 1 (mild), 2 (moderate) or 3 (severe)", rule="severity")
    with svc.uow() as uow:
        draft = uow.portal.draft(draft_id)
        if draft.status != "draft":
            raise InvalidInput(f"this draft was {draft.status} already", rule="draft_resolved")
        episode = uow.episodes.get(draft.episode_id)
        event = AdverseEvent(type=EventType(draft.type), onset_on=draft.onset_on, severity=severity, serious=serious,
                             description=description or "Reported by the patient at a check-in: "
                             + ", ".join(draft.reasons),
                             lot_ids=[UUID(lot) for lot in draft.lot_ids], recorded_by=actor.id)
        episode.add_adverse_event(event)
        uow.episodes.save(episode)
        if not uow.portal.resolve_draft(draft_id, status="confirmed", at=svc.clock(), by=actor.id,
                                        event_id=str(event.id)):
            raise InvalidInput("this draft was resolved by someone else meanwhile; reload", rule="draft_resolved")
        record(uow, svc, actor, "adverse_event", "episode", episode.id, state=episode.state.value,
               type=event.type.value, serious=serious, from_draft=draft_id, tier=TIER[event.type])
        uow.commit()
    return event


def dismiss_draft(svc: Services, actor: User, draft_id: str) -> None:
    require(actor, Permission.ADVERSE_WRITE)
    with svc.uow() as uow:
        if not uow.portal.resolve_draft(draft_id, status="dismissed", at=svc.clock(), by=actor.id, event_id=None):
            raise InvalidInput("this draft was resolved already; reload", rule="draft_resolved")
        record(uow, svc, actor, "dismiss", "adverse_event_draft", draft_id)
        uow.commit()
