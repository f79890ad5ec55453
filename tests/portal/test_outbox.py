"""The outbox against a real SMTP server on loopback (STARTTLS, a password): delivery recorded, retries with
back-off while the server refuses, undeliverable after the tries, reminders with an .ics; no clinical detail."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.helpers.clinic import patient
from tests.helpers.mailbox import smtp_server
from tests.helpers.portal import LINK
from tests.helpers.records import Clinic
from tests.helpers.web import PageUser
from threadlift.clinic.portal import FIRST_RETRY_SECONDS, LINK_MINUTES, MAX_ATTEMPTS
from threadlift.services import outbox, portal
from threadlift.services.portal_worker import start_worker, transport_of


@pytest.fixture
def mailbox(clinic: Clinic, tmp_path):  # type: ignore[no-untyped-def]
    with smtp_server(tmp_path) as box:
        clinic.services.settings = dataclasses.replace(clinic.services.settings, smtp_url=box.url,
                                                       public_url="https://clinic.example.org",
                                                       clinic_name="Riverside Skin Clinic")
        yield box


def _registered(clinic: Clinic, **changes):  # type: ignore[no-untyped-def]
    someone = patient(**changes)
    with clinic.services.uow() as uow:
        uow.patients.add(someone)
        uow.commit()
    return someone


def test_an_invitation_is_delivered_over_starttls_and_its_delivery_recorded(clinic, mailbox):
    svc = clinic.services
    someone = _registered(clinic)
    worker = start_worker(svc, interval=30)  # as the server runs it: woken by the message, not by its timer
    try:
        portal.invite(svc, clinic.user("reception-kim"), someone.id)
        mail = mailbox.wait_for(lambda m: m["To"] == "adaeze@example.org", timeout=10)
    finally:
        worker.stop()
    body = mail.get_body().get_content()
    assert mail["Subject"] == "Riverside Skin Clinic: your patient portal"
    assert "https://clinic.example.org/portal/sign-in/" in body
    assert "Okafor" not in body and "thread lift" not in body.lower()  # no name, no clinical detail
    with svc.uow(read_only=True) as uow:
        (message,) = uow.outbox.of_patient(str(someone.id), 5)
        entries = uow.audit.recent(5)
    assert message.status == "sent" and message.attempts == 1 and message.sent_at == clinic.clock.now
    assert any(e.action == "sent" and e.entity_id == message.id for e in entries)


def test_a_refusing_server_gets_the_message_again_later_and_after_its_tries_staff_see_it(clinic, mailbox):
    svc = clinic.services
    someone = _registered(clinic)
    with svc.uow() as uow:  # a check-in invitation: no sign-in link in it to expire meanwhile
        outbox.queue(uow, svc, "check_in", "adaeze@example.org", patient_id=str(someone.id),
                     link=outbox.portal_url(svc, "/portal"))
        uow.commit()
    good_url = svc.settings.smtp_url
    svc.settings = dataclasses.replace(svc.settings, smtp_url=mailbox.url.replace("mail%20password", "wrong"))
    assert outbox.send_due(svc, transport_of(svc)).retried == 1  # a wrong password: tried again later
    with svc.uow(read_only=True) as uow:
        (message,) = uow.outbox.of_patient(str(someone.id), 5)
    assert message.status == "pending" and "535" in (message.last_error or "")
    assert message.next_attempt_at == clinic.clock.now + timedelta(seconds=FIRST_RETRY_SECONDS)
    svc.settings = dataclasses.replace(svc.settings, smtp_url=good_url)
    clinic.clock.advance(seconds=FIRST_RETRY_SECONDS)
    mailbox.refusing = True
    assert outbox.send_due(svc, transport_of(svc)).retried == 1
    assert outbox.send_due(svc, transport_of(svc)).retried == 0  # not due again yet: back-off
    clinic.clock.advance(seconds=2 * FIRST_RETRY_SECONDS)
    assert outbox.send_due(svc, transport_of(svc)).retried == 1
    for _ in range(MAX_ATTEMPTS - 3):
        clinic.clock.advance(hours=1)
        outbox.send_due(svc, transport_of(svc))
    with svc.uow(read_only=True) as uow:
        (failed,) = uow.outbox.failed(10)
    assert failed.attempts == MAX_ATTEMPTS and "451" in (failed.last_error or "")
    assert mailbox.messages == []
    mailbox.refusing = False  # the server is back: staff send it again from the dashboard
    with svc.uow() as uow:
        assert uow.outbox.requeue(failed.id, clinic.clock.now)
        uow.commit()
    assert outbox.send_due(svc, transport_of(svc)).sent == 1
    assert len(mailbox.messages) == 1


def test_a_follow_up_reminder_carries_an_ics_of_the_appointment(clinic, mailbox):
    from tests.helpers.exports import episode as built_episode
    from threadlift.clinic.episode import State

    svc = clinic.services
    episode, lots, person = built_episode(State.DISCHARGED)
    person = person.model_copy(update={"email": "reminded@example.org"})
    with svc.uow() as uow:
        uow.patients.add(person)
        for lot in lots:
            uow.lots.add(lot)
        uow.episodes.add(episode)
        uow.commit()
    first = next(f for f in episode.follow_ups if f.kind == "visit")
    clinic.clock.now = clinic.clock.now.replace(year=first.due_on.year, month=first.due_on.month,
                                                day=first.due_on.day) - timedelta(days=1)
    assert outbox.follow_up_reminders(svc) >= 1
    assert outbox.follow_up_reminders(svc) == 0  # once per follow-up
    outbox.send_due(svc, transport_of(svc))
    mail = mailbox.wait_for(lambda m: m["To"] == "reminded@example.org")
    (ics,) = [part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(ics.get_content()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == first.due_on and "Riverside Skin Clinic" in str(event["summary"])


def test_a_sign_in_e_mail_whose_link_expired_unsent_is_replaced_by_a_new_invitation(clinic, mailbox):
    svc = clinic.services
    someone = _registered(clinic)
    portal.invite(svc, clinic.user("reception-kim"), someone.id)
    mailbox.refusing = True
    assert outbox.send_due(svc, transport_of(svc)).retried == 1
    clinic.clock.advance(minutes=LINK_MINUTES)
    mailbox.refusing = False  # the server is back, but the link it would carry has expired
    assert outbox.send_due(svc, transport_of(svc)).failed == 1 and mailbox.messages == []
    with svc.uow(read_only=True) as uow:
        (failed,) = uow.outbox.failed(10)
    assert failed.kind == "invitation" and "link expired" in (failed.last_error or "")
    reception = PageUser(clinic, "reception-kim")
    assert "Send a new invitation" in reception.get("/dashboard/portal").text
    assert reception.post(f"/messages/{failed.id}/resend").status_code == 303
    assert outbox.send_due(svc, transport_of(svc)).sent == 1
    mail = mailbox.wait_for(lambda m: m["To"] == "adaeze@example.org")
    token = LINK.search(mail.get_body().get_content())
    assert token is not None
    assert TestClient(clinic.client.app).post(f"/portal/sign-in/{token.group(1)}",
                                              follow_redirects=False).status_code == 303
    with svc.uow(read_only=True) as uow:
        assert sorted(m.status for m in uow.outbox.of_patient(str(someone.id), 5)) == ["replaced", "sent"]
        assert uow.outbox.failed(10) == []
    assert reception.post(f"/messages/{failed.id}/resend").status_code == 409  # replaced already
