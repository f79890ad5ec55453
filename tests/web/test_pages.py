"""The clinic's web pages over HTTP, on SQLite and PostgreSQL: sign-in, CSRF, forms and their errors."""

from __future__ import annotations

from uuid import UUID

from tests.helpers.clinic import CLINICAL_PHOTOS, consultation_entry, details, lot_entry
from tests.helpers.records import Clinic
from tests.helpers.web import PageUser, error_for, location
from threadlift.services import consents, episodes, people, stock
from threadlift.services import consultation as consulting
from threadlift.services.commands import (
    DecideSuitability,
    GivePhotoConsent,
    OpenEpisode,
    ReceiveLot,
    RecordConsultation,
    RegisterPatient,
)


def registered(clinic: Clinic) -> tuple[UUID, UUID]:
    """A patient with an open episode and photo consent, registered by reception through the services."""
    c = clinic
    reception = c.user("reception-kim")
    person = people.register_patient(c.services, reception, RegisterPatient(details=details()))
    episode = episodes.open_episode(c.services, reception, OpenEpisode(patient_id=person.id))
    consents.give_photo_consent(c.services, reception, GivePhotoConsent(patient_id=person.id, grant=CLINICAL_PHOTOS))
    return person.id, episode.id


def record_consultation(clinic: Clinic, episode: UUID, **changes: object) -> None:
    """Dr Hale records the standard consultation, with ``changes``, through the use case."""
    consulting.record_consultation(clinic.services, clinic.user("dr-hale"),
                                   RecordConsultation(episode_id=episode, consultation=consultation_entry(**changes)))


def test_pages_need_a_session_and_the_cookie_is_locked_down(clinic: Clinic):
    anonymous = clinic.client
    response = anonymous.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    wrong = anonymous.post("/login", data={"username": "dr-hale", "password": "nope"}, follow_redirects=False)
    assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text
    good = anonymous.post("/login", data={"username": "dr-hale", "password": "correct horse battery staple"},
                          follow_redirects=False)
    cookie = good.headers["set-cookie"].lower()
    assert good.status_code == 303 and "httponly" in cookie and "samesite=strict" in cookie


def test_state_changes_need_the_csrf_token_and_this_origin(clinic: Clinic):
    nurse = PageUser(clinic, "nurse-ade")
    forged = nurse.client.post("/patients", data={"family_name": "X"})
    assert forged.status_code == 403 and "security token" in forged.text
    elsewhere = nurse.post("/patients", {"family_name": "X"}, headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 403
    assert people.search_patients(clinic.services, clinic.user("nurse-ade"), "")[1] == 0


def test_a_patient_form_with_missing_fields_shows_each_error_next_to_its_field_and_saves_nothing(clinic: Clinic):
    reception = PageUser(clinic, "reception-kim")
    response = reception.post("/patients", {"family_name": "", "given_name": "Ama", "date_of_birth": "",
                                            "sex": "female", "weight_kg": "12"})
    assert response.status_code == 422
    assert error_for(response.text, "family_name") and error_for(response.text, "date_of_birth")
    assert error_for(response.text, "weight_kg") == "Enter a number above 20"  # plain words, not pydantic's
    assert "Input should" not in response.text and "validation" not in response.text
    assert error_for(response.text, "given_name") is None
    assert 'value="Ama"' in response.text  # what was typed is kept
    saved = reception.post("/patients", {"family_name": "Osei", "given_name": "Ama", "date_of_birth": "1980-02-03",
                                         "sex": "female", "weight_kg": "61"})
    assert saved.status_code == 303 and location(saved).startswith("/patients/")


def test_patient_search_is_a_post_so_names_never_reach_an_address(clinic: Clinic):
    registered(clinic)
    reception = PageUser(clinic, "reception-kim")
    found = reception.htmx("/patients/search", {"search": "okaf"})
    assert found.status_code == 200 and "Okafor, Adaeze" in found.text
    assert reception.get("/patients/search").status_code == 404  # there is no GET search


def test_reception_sees_no_medical_history_or_photos_in_any_page_or_request(clinic: Clinic):
    person, episode = registered(clinic)
    record_consultation(clinic, episode, history={"conditions": ["hypothyroidism"]})
    reception = PageUser(clinic, "reception-kim")
    patient_page = reception.get(f"/patients/{person}")
    assert patient_page.status_code == 200 and "Okafor" in patient_page.text
    assert "hypothyroidism" not in patient_page.text and "/photos" not in patient_page.text
    hub = reception.get(f"/episodes/{episode}")
    assert hub.status_code == 200 and "Clinical details are visible to clinical staff only" in hub.text
    for path in (f"/episodes/{episode}/consultation", f"/episodes/{episode}/suitability",
                 f"/episodes/{episode}/photos", f"/episodes/{episode}/plan", f"/episodes/{episode}/procedure",
                 f"/episodes/{episode}/discharge", f"/episodes/{episode}/follow-up", "/registers/complications",
                 "/registers/recall", f"/api/episodes/{episode}/consultation", f"/api/episodes/{episode}/photos",
                 "/api/adverse-events"):
        response = reception.get(path)
        assert response.status_code == 403, path
        assert "hypothyroidism" not in response.text
    dashboard = reception.get("/")
    assert dashboard.status_code == 200 and "Serious adverse events" not in dashboard.text


def test_the_consultation_form_shows_errors_next_to_fields_then_decides_suitability(clinic: Clinic):
    _, episode = registered(clinic)
    hale = PageUser(clinic, "dr-hale")
    form = {"areas": ["jawline"], "grade.jawline": "2", "risks": ["bruising"], "consulted_on": "2026-11-02",
            "bdd_screen.distress": "", "bdd_screen.social_impairment": "1",
            "bdd_screen.work_or_study_impairment": "1", "bdd_screen.avoidance": "1", "history.diabetes": "none"}
    response = hale.post(f"/episodes/{episode}/consultation", form)
    assert response.status_code == 422 and error_for(response.text, "bdd_screen-distress")
    assert 'value="jawline" checked' in response.text
    form.update({"bdd_screen.distress": "2", "decide": "1", "history.medicines.0.name": "warfarin",
                 "history.medicines.0.medicine_class": "anticoagulant", "history.medicines.0.prescribed": "on"})
    decided = hale.post(f"/episodes/{episode}/consultation", form)
    assert decided.status_code == 303 and location(decided).endswith("/suitability")
    page = hale.get(location(decided)).text
    assert "SEL-06" in page and "needs acknowledgement" in page
    short = hale.post(f"/episodes/{episode}/suitability/override", {"rule": "SEL-06", "reason": "ok"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    done = hale.post(f"/episodes/{episode}/suitability/override",
                     {"rule": "SEL-06", "reason": "INR stable; prescriber advice on file, dated today"})
    assert done.status_code == 303


def test_a_consent_needs_a_drawn_signature_and_is_locked_once_signed(clinic: Clinic):
    _, episode = registered(clinic)
    record_consultation(clinic, episode)
    consulting.decide_suitability(clinic.services, clinic.user("dr-hale"), DecideSuitability(episode_id=episode))
    hale = PageUser(clinic, "dr-hale")
    blank = hale.post(f"/episodes/{episode}/consent", {"typed_name": "Adaeze Okafor", "document_version": "2026.1",
                                                        "signature": ""})
    assert blank.status_code == 422 and "Draw the signature" in blank.text
    from tests.helpers.clinic import signature_png

    stranger = hale.post(f"/episodes/{episode}/consent", {"typed_name": "Somebody Else", "document_version": "2026.1",
                                                           "signature": "data:image/png;base64," + signature_png()})
    assert stranger.status_code == 422 and "is not the patient" in (error_for(stranger.text, "typed_name") or "")

    signed = hale.post(f"/episodes/{episode}/consent", {"typed_name": "Adaeze Okafor", "document_version": "2026.1",
                                                         "signature": "data:image/png;base64," + signature_png()})
    assert signed.status_code == 303
    page = hale.get(f"/episodes/{episode}/consent").text
    assert "Signed and locked" in page and "The signed record is intact" in page
    again = hale.post(f"/episodes/{episode}/consent", {"typed_name": "Someone Else", "document_version": "2026.1",
                                                        "signature": "data:image/png;base64," + signature_png()})
    assert again.status_code == 409


def test_stock_refuses_a_lot_with_missing_fields_and_the_register_filters(clinic: Clinic):
    nurse = PageUser(clinic, "nurse-ade")
    refused = nurse.post("/stock", {"product": "Cog", "lot": "", "material": "PDO", "design": "mono",
                                    "gauge": "19G", "length_mm": "90", "expiry": "", "quantity_received": "0",
                                    "received_on": "2026-11-01"})
    assert refused.status_code == 422
    assert error_for(refused.text, "lot") and error_for(refused.text, "expiry")
    assert error_for(refused.text, "quantity_received")
    stock.receive_lot(clinic.services, clinic.user("nurse-ade"), ReceiveLot(lot=lot_entry()))
    assert "PDO-2026-A1" in nurse.get("/stock").text
    register = nurse.get("/registers/complications?type=infection&area=jawline")
    assert register.status_code == 200 and "No event matches" in register.text
