"""The patient's side in the browser (issue 17): the invitation read from a real SMTP server on loopback, the
patient's sign-in and questionnaire, the clinician's review, a 48-hour check-in with a red flag, the alert
e-mail to the clinician on call and the draft adverse event on the dashboard. The server runs its outbox
worker as in production."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site
from tests.browser.test_pathway import shot, sign_in
from tests.helpers.clinic import patient
from tests.helpers.exports import episode as built_episode
from tests.helpers.mailbox import Mailbox, smtp_server
from tests.helpers.portal import LINK
from tests.helpers.records import database_url, open_clinic
from tests.helpers.server import served
from threadlift.clinic.episode import Episode, State
from threadlift.services import episodes
from threadlift.services.commands import OpenEpisode


@dataclasses.dataclass
class PortalSite:
    site: Site
    mailbox: Mailbox
    consultation: Episode
    treated: Episode


@pytest.fixture(params=["sqlite", "postgresql"])
def portal_site(request, tmp_path, fresh_artifacts) -> Iterator[PortalSite]:  # type: ignore[no-untyped-def]
    from tests.browser.conftest import ARTIFACTS

    url, schema = database_url(request.param, tmp_path)
    clinic = open_clinic(url, tmp_path)
    someone = patient(email="adaeze@example.org")
    treated, lots, _ = built_episode(State.DISCHARGED)
    treated = treated.model_copy(update={"patient_id": someone.id})
    clinic.clock.now = treated.procedure.ended_at + timedelta(hours=49)  # two days after a thread lift
    with clinic.services.uow() as uow:
        uow.patients.add(someone)
        for lot in lots:
            uow.lots.add(lot)
        uow.episodes.add(treated)
        uow.commit()
    consultation = episodes.open_episode(clinic.services, clinic.user("reception-kim"),
                                         OpenEpisode(patient_id=someone.id))
    shots = ARTIFACTS / f"portal-{request.param}"
    shots.mkdir(parents=True, exist_ok=True)
    with smtp_server(tmp_path) as box:
        clinic.services.settings = dataclasses.replace(clinic.services.settings, smtp_url=box.url,
                                                       on_call_email="oncall@example.org",
                                                       clinic_name="Riverside Skin Clinic",
                                                       clinic_phone="020 7946 0001")
        with served(clinic.client.app) as base:  # the worker starts with the server, on these settings
            clinic.services.settings = dataclasses.replace(clinic.services.settings, public_url=base)
            yield PortalSite(Site(base, clinic, shots), box, consultation, treated)
    clinic.close()
    if schema is not None:
        schema.drop()


def _link(body: str) -> str:
    found = LINK.search(body)
    assert found is not None, body
    return found.group(0)


def test_a_patient_signs_in_fills_in_the_history_and_a_red_flag_reaches_the_clinician(chromium, portal_site):  # type: ignore[no-untyped-def]
    site, box = portal_site.site, portal_site.mailbox
    staff = chromium.new_context(viewport={"width": 1280, "height": 900})
    desk = staff.new_page()
    problems: list[str] = []
    desk.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(desk, site, "reception-kim")
    desk.goto(f"{site.url}/patients/{portal_site.consultation.patient_id}")
    desk.get_by_role("button", name="Invite to the portal").click()
    expect(desk.locator("#portal-invited")).not_to_have_text("not yet")

    invitation = box.wait_for(lambda m: "your patient portal" in str(m["Subject"]))
    assert invitation["To"] == "adaeze@example.org" and "Okafor" not in invitation.get_body().get_content()
    home = chromium.new_context(viewport={"width": 420, "height": 900})  # the patient's phone, own cookies
    phone = home.new_page()
    phone.on("pageerror", lambda error: problems.append(str(error)))
    phone.goto(site.url + _link(invitation.get_body().get_content()))
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_role("heading", name="Hello Adaeze")).to_be_visible()
    shot(phone, site, "p01-portal-home")

    phone.locator("#questionnaire-link").click()
    phone.get_by_role("textbox", name="Other conditions").fill("asthma")
    phone.get_by_role("textbox", name="Medicine 1").fill("fish oil")
    for label in ("3.", "4.", "5.", "6."):
        phone.get_by_role("combobox", name=re.compile(f"^{re.escape(label)}")).select_option("1")
    phone.get_by_role("textbox", name="What would you like the treatment to change?").fill("A fresher jawline")
    shot(phone, site, "p02-questionnaire")
    phone.get_by_role("button", name="Send my answers to the clinic").click()
    expect(phone.get_by_text("the clinic has your medical history")).to_be_visible()

    desk.close()
    doctor = staff.new_page()
    doctor.on("pageerror", lambda error: problems.append(str(error)))
    staff.clear_cookies()  # the receptionist leaves; the clinician signs in at the same desk
    sign_in(doctor, site, "dr-hale")
    doctor.goto(f"{site.url}/episodes/{portal_site.consultation.id}/questionnaire")
    expect(doctor.locator("#review-table")).to_contain_text("fish oil")
    doctor.get_by_role("checkbox", name="Smoker").check()
    doctor.get_by_role("button", name="Confirm the history").click()
    expect(doctor.get_by_text("1 answer changed")).to_be_visible()
    expect(doctor.locator("#review-table tr.changed")).to_contain_text("Smoker")
    shot(doctor, site, "p03-clinician-review")

    check_in_mail = box.wait_for(lambda m: "how are you getting on" in str(m["Subject"]))  # sent by the worker
    assert "/portal" in check_in_mail.get_body().get_content()
    phone.goto(f"{site.url}/portal")
    phone.locator(".check-in-link").first.click()
    answers = {"pain_trend": "same", "swelling": "moderate", "swelling_trend": "same", "bruising": "mild"}
    phone.locator('input[name="pain_score"][value="4"]').check()
    for name, value in answers.items():
        phone.locator(f'input[name="{name}"][value="{value}"]').check()
    for name in ("redness_or_warmth_spreading", "discharge_from_entry_point", "thread_at_skin", "dimpling",
                 "asymmetry", "facial_weakness", "difficulty_opening_mouth", "vision_change"):
        phone.locator(f'input[name="{name}"][value="no"]').check()
    phone.locator('input[name="fever"][value="yes"]').check()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("heading", name="Call the clinic now")).to_be_visible()
    expect(phone.locator("#advice")).to_contain_text("020 7946 0001")
    shot(phone, site, "p04-red-flag-advice")

    alert = box.wait_for(lambda m: m["To"] == "oncall@example.org")
    assert "needs attention" in str(alert["Subject"]) and "Okafor" not in alert.get_body().get_content()
    doctor.goto(f"{site.url}/")
    expect(doctor.get_by_role("heading", name="Urgent: red flags from patient check-ins")).to_be_visible()
    expect(doctor.locator(".draft-event")).to_contain_text("infection")
    expect(doctor.locator(".draft-event")).to_contain_text("Okafor")
    shot(doctor, site, "p05-dashboard-urgent")
    doctor.locator(".draft-event").get_by_role("link", name="48-hour check-in").click()  # what the patient said
    expect(doctor.locator("#answer-fever")).to_contain_text("yes")
    expect(doctor.locator("#triage-rules")).to_contain_text("thread-lift-clinical.md §5.5")
    shot(doctor, site, "p06-check-in-answers")
    assert problems == []
