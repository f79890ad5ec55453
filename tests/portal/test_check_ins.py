"""After the procedure: check-ins scheduled from its end, the patient invited, answers kept before anything
else, triaged at once; a red flag drafts an adverse event linked to the procedure's lots, shows on the
dashboard and alerts the clinician on call; late answers kept and marked; a failed triage loses nothing."""

from __future__ import annotations

from datetime import timedelta

from tests.helpers.portal import PortalUser, treated
from tests.helpers.web import PageUser
from tests.portal.conftest import CALM
from threadlift.services import checkins


def test_a_red_flag_tells_the_patient_at_once_and_raises_the_alarm_with_the_lots(clinic, recovering):
    someone, episode, first, _, patient = recovering
    assert "answer now" in patient.get("/portal").text
    incomplete = patient.post(f"/portal/check-ins/{first.id}", {**CALM, "fever": ""})
    assert incomplete.status_code == 422 and "Answer this question" in incomplete.text
    assert 'value="mild" checked' in incomplete.text  # the other answers are kept
    advice = patient.post(f"/portal/check-ins/{first.id}", {**CALM, "fever": "yes"})
    assert advice.status_code == 200 and "Call the clinic now" in advice.text and "020 7946 0001" in advice.text
    with clinic.services.uow(read_only=True) as uow:
        stored = uow.portal.check_in(first.id)
        (draft,) = uow.portal.drafts()
        (alert,) = [m for m in uow.outbox.failed(0) + [uow.outbox.get(i) for i in uow.outbox.due(clinic.clock.now, 50)]
                    if m.kind == "red_flag_alert"]
    assert stored.triage_level == "call_clinic" and not stored.late and stored.triage["rules"] == ["fever",
                                                                                                   "bruising_or_swelling"]
    assert draft.type == "infection" and draft.tier == "U" and draft.episode_id == str(episode.id)
    assert set(draft.lot_ids) == {str(t.lot_id) for t in episode.procedure.threads}
    assert alert.to_address == "oncall@example.org" and someone.family_name not in alert.body
    again = patient.post(f"/portal/check-ins/{first.id}", {**CALM})  # sent again: nothing changes
    assert "Call the clinic now" in again.text
    listed = clinic.call("dr-hale", "GET", "/api/adverse-drafts")  # the API answers from the same use case
    assert listed.status_code == 200 and [d["id"] for d in listed.json()] == [draft.id]
    assert clinic.call("reception-kim", "GET", "/api/adverse-drafts").status_code == 403
    status = clinic.call("nurse-ade", "GET", f"/api/patients/{someone.id}/portal").json()
    assert status["episodes"][0]["check_ins"][0]["triage_level"] == "call_clinic"
    doctor = PageUser(clinic, "dr-hale")
    board = doctor.get("/dashboard/portal")
    assert "urgent" in board.text and someone.family_name in board.text and "infection" in board.text
    assert f'href="/check-ins/{first.id}"' in board.text
    read = doctor.get(f"/check-ins/{first.id}")  # what the patient answered, and why it is a red flag
    assert read.status_code == 200 and "Have you had a fever" in read.text and "2 of 10" in read.text
    assert "thread-lift-clinical.md §5.5" in read.text and "draft adverse event" in read.text
    assert PageUser(clinic, "reception-kim").get(f"/check-ins/{first.id}").status_code == 403
    detail = clinic.call("nurse-ade", "GET", f"/api/check-ins/{first.id}").json()
    assert detail["answers"]["fever"]["answer"] == "yes" and detail["triage_rules"][0] == "fever"
    assert detail["triage_sources"][0].startswith("thread-lift-clinical.md §5.5") and detail["draft_id"] == draft.id
    with clinic.services.uow(read_only=True) as uow:
        assert any(e.action == "read" and e.entity_type == "check_in" and e.entity_id == first.id
                   for e in uow.audit.recent(10))
    assert doctor.post(f"/adverse-drafts/{draft.id}/confirm", {"severity": "2"}).status_code == 303
    with clinic.services.uow(read_only=True) as uow:
        recorded = uow.episodes.get(episode.id).adverse_events[-1]
        assert uow.portal.drafts() == []
    assert recorded.type.value == "infection" and set(map(str, recorded.lot_ids)) == set(draft.lot_ids)
    assert "urgent" not in doctor.get("/dashboard/portal").text


def test_a_late_answer_is_kept_and_marked_and_a_usual_recovery_is_reassured(clinic, recovering):
    someone, _, _, week, patient = recovering
    early = patient.post(f"/portal/check-ins/{week.id}", CALM)
    assert early.status_code == 409 and "opens on" in early.text
    assert f"opens on {clinic.services.day_text(week.opens_at)} at" in early.text  # the clinic's date format
    clinic.clock.now = week.closes_at + timedelta(days=1)
    patient = PortalUser(clinic, someone)  # a new day, a new sign-in
    advice = patient.post(f"/portal/check-ins/{week.id}", CALM)
    assert "part of a usual recovery" in advice.text and "marked as late" in advice.text
    with clinic.services.uow(read_only=True) as uow:
        stored = uow.portal.check_in(week.id)
        assert stored.late and stored.triage_level == "expected" and uow.portal.drafts() == []


def test_answers_survive_a_failed_triage_which_the_worker_finishes(clinic, recovering, monkeypatch):
    _, _, first, _, patient = recovering

    def broken(svc, check_in_id):  # type: ignore[no-untyped-def]
        raise RuntimeError("triage unavailable")

    with monkeypatch.context() as patched:
        patched.setattr(checkins, "triage_check_in", broken)
        advice = patient.post(f"/portal/check-ins/{first.id}", {**CALM, "facial_weakness": "yes"})
    assert advice.status_code == 200 and "your answers are saved" in advice.text and "new weakness" in advice.text
    with clinic.services.uow(read_only=True) as uow:
        assert uow.portal.check_in(first.id).triage_status == "pending"
    doctor = PageUser(clinic, "dr-hale")
    assert "not triaged" not in doctor.get("/dashboard/portal").text  # the worker retries within seconds
    clinic.clock.advance(minutes=6)  # ... but it keeps failing: staff read the answers themselves
    board = doctor.get("/dashboard/portal").text
    assert "Check-ins not triaged" in board and f'href="/check-ins/{first.id}"' in board
    read = doctor.get(f"/check-ins/{first.id}").text
    assert "Not triaged yet" in read and 'id="answer-facial_weakness"><td>Is any part of your face weak' in read
    assert checkins.triage_pending(clinic.services) == 1
    assert "Check-ins not triaged" not in doctor.get("/dashboard/portal").text
    with clinic.services.uow(read_only=True) as uow:
        assert uow.portal.check_in(first.id).triage_level == "call_clinic"
        assert [d.type for d in uow.portal.drafts()] == ["nerve_injury"]


def test_only_a_recent_procedure_is_checked_on_and_a_check_in_only_invited_to_while_open(clinic):
    svc = clinic.services
    _, episode = treated(clinic)  # its row written now (today), its procedure long before the clock below
    ended = episode.procedure.ended_at
    clinic.clock.now = ended + timedelta(days=30)  # a month on: no "how are you getting on?", no aftercare e-mail
    assert checkins.schedule_check_ins(svc) == 0 and checkins.announce_aftercare(svc) == 0
    with svc.uow(read_only=True) as uow:
        assert uow.portal.check_ins(str(episode.id)) == [] and uow.outbox.of_patient(str(episode.patient_id), 5) == []
    clinic.clock.now = ended + timedelta(hours=100)  # the worker was down through the 48-hour check-in's window
    assert checkins.schedule_check_ins(svc) == 1  # the 7-day one only
    assert checkins.invite_check_ins(svc) == 0  # not open yet
    clinic.clock.now = ended + timedelta(hours=169)
    assert checkins.invite_check_ins(svc) == 1


def test_a_check_in_whose_window_closed_before_its_invitation_is_not_invited_to(clinic):
    svc = clinic.services
    _, episode = treated(clinic)
    ended = episode.procedure.ended_at
    clinic.clock.now = ended + timedelta(hours=47)
    assert checkins.schedule_check_ins(svc) == 2 and checkins.invite_check_ins(svc) == 0
    clinic.clock.now = ended + timedelta(hours=48 + svc.settings.check_in_window_hours + 1)
    assert checkins.invite_check_ins(svc) == 0  # the 48-hour window closed meanwhile; the 7-day one is not open
    clinic.clock.now = ended + timedelta(hours=168)
    assert checkins.invite_check_ins(svc) == 1


class _BrokenAnalyser:
    """The photo analyser's worker process gone (killed, out of memory): every analysis fails."""

    def summarise(self, data: bytes, *, overlay: bool = False) -> None:
        from concurrent.futures.process import BrokenProcessPool

        raise BrokenProcessPool("the analysis worker died")


def test_a_red_flag_sent_with_a_photo_the_analyser_cannot_process_is_kept_and_raises_the_alarm(clinic, recovering,
                                                                                               monkeypatch):
    from tests.helpers.clinic import CLINICAL_PHOTOS
    from tests.helpers.photos import jpeg_bytes, read_rgb
    from threadlift.services import consents
    from threadlift.services.commands import GivePhotoConsent

    someone, episode, first, _, patient = recovering
    consents.give_photo_consent(clinic.services, clinic.user("nurse-ade"),
                                GivePhotoConsent(patient_id=someone.id, grant=CLINICAL_PHOTOS))
    monkeypatch.setattr(clinic.services, "analyser", _BrokenAnalyser())
    photo = {"photo": ("face.jpg", jpeg_bytes(read_rgb("obama3.jpg")), "image/jpeg")}
    advice = patient.client.post(f"/portal/check-ins/{first.id}", data={**CALM, "fever": "yes", "csrf": patient.csrf},
                                 files=photo)
    assert advice.status_code == 200 and "Call the clinic now" in advice.text and 'id="photo-lost"' in advice.text
    with clinic.services.uow(read_only=True) as uow:
        stored = uow.portal.check_in(first.id)
        assert stored.answers is not None and stored.answers["fever"] is True and stored.photo_id is None
        assert [d.type for d in uow.portal.drafts()] == ["infection"]
        assert uow.photos.for_episode(episode.id) == [p for p in uow.photos.for_episode(episode.id)
                                                      if p.stage.value != "check_in"]


def test_every_issue_of_the_camera_page_s_quality_gate_is_worded_for_the_patient():
    import re
    from importlib import resources

    source = resources.files("threadlift.face").joinpath("quality.py").read_text("utf-8")
    codes = set(re.findall(r'QualityIssue\(\s*"([a-z_]+)"', source))
    assert len(codes) >= 12 and codes <= set(checkins.PATIENT_PHOTO_HINTS)
    assert not any("the patient" in hint for hint in checkins.PATIENT_PHOTO_HINTS.values())
