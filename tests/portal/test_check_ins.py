"""After the procedure: check-ins scheduled from its end, the patient invited, answers kept before anything
else, triaged at once; a red flag drafts an adverse event linked to the procedure's lots, shows on the
dashboard and alerts the clinician on call; late answers kept and marked; a failed triage loses nothing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from tests.helpers.portal import PortalUser, treated
from tests.helpers.web import PageUser
from threadlift.services import checkins

CALM = {"pain_score": "2", "pain_trend": "better", "swelling": "mild", "swelling_trend": "better",
        "bruising": "mild", "redness_or_warmth_spreading": "no", "fever": "no", "discharge_from_entry_point": "no",
        "thread_at_skin": "no", "dimpling": "no", "asymmetry": "no", "facial_weakness": "no",
        "difficulty_opening_mouth": "no", "vision_change": "no"}


@pytest.fixture
def recovering(clinic):  # type: ignore[no-untyped-def]
    """A patient two days after the procedure, check-ins scheduled, signed in to the portal."""
    clinic.services.settings = dataclasses.replace(clinic.services.settings, on_call_email="oncall@example.org",
                                                   clinic_phone="020 7946 0001")
    someone, episode = treated(clinic)
    clinic.clock.now = episode.procedure.ended_at + timedelta(hours=49)
    assert checkins.schedule_check_ins(clinic.services) == 2
    assert checkins.schedule_check_ins(clinic.services) == 0
    assert checkins.invite_check_ins(clinic.services) == 1  # the 48-hour one has opened; the 7-day one has not
    with clinic.services.uow(read_only=True) as uow:
        first, week = uow.portal.check_ins(str(episode.id))
    return someone, episode, first, week, PortalUser(clinic, someone)


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
    doctor = PageUser(clinic, "dr-hale")
    board = doctor.get("/dashboard/portal")
    assert "urgent" in board.text and someone.family_name in board.text and "infection" in board.text
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
    assert checkins.triage_pending(clinic.services) == 1
    with clinic.services.uow(read_only=True) as uow:
        assert uow.portal.check_in(first.id).triage_level == "call_clinic"
        assert [d.type for d in uow.portal.drafts()] == ["nerve_injury"]
