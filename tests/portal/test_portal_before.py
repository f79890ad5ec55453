"""Before the consultation, in the portal: the questionnaire (one record however often it is sent), the
clinician's review showing what the patient entered and what changed, the information and consent read
(and recorded), the signed copy, the aftercare acknowledged, photo-use consent withdrawn by the patient."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader

from tests.helpers.clinic import CLINICAL_PHOTOS
from tests.helpers.portal import PortalUser, registered, treated
from tests.helpers.web import PageUser
from threadlift.clinic.consent import PhotoScope
from threadlift.services import consents, episodes
from threadlift.services.commands import GivePhotoConsent, OpenEpisode

ANSWERS = {"history.smoker": "", "history.diabetes": "none", "history.conditions": "asthma",
           "history.medicines.0.name": "fish oil", "history.medicines.0.medicine_class": "supplement_blood_thinning",
           "bdd_screen.concerned_about_appearance": "on", "bdd_screen.distress": "2",
           "bdd_screen.social_impairment": "1", "bdd_screen.work_or_study_impairment": "1", "bdd_screen.avoidance": "1",
           "expectations": "A fresher jawline"}


def test_the_patient_s_history_is_one_record_and_the_clinician_sees_what_changed(clinic):
    someone = registered(clinic)
    episode = episodes.open_episode(clinic.services, clinic.user("reception-kim"), OpenEpisode(patient_id=someone.id))
    patient = PortalUser(clinic, someone)
    form = patient.get(f"/portal/episodes/{episode.id}/questionnaire")
    assert form.status_code == 200 and 'name="history.smoker"' in form.text  # the consultation's own fields
    incomplete = patient.post(f"/portal/episodes/{episode.id}/questionnaire", {**ANSWERS, "bdd_screen.avoidance": ""})
    assert incomplete.status_code == 422 and "asthma" in incomplete.text  # told what to fix; nothing lost
    for _ in range(2):  # sent twice (a double click, a second thought): still one record
        assert patient.post(f"/portal/episodes/{episode.id}/questionnaire", ANSWERS).status_code == 303
    with clinic.services.uow(read_only=True) as uow:
        found = uow.portal.questionnaire(str(episode.id), "medical_history")
    assert found is not None and found.answers["history"]["conditions"] == ["asthma"]
    doctor = PageUser(clinic, "dr-hale")
    status = doctor.get(f"/patients/{someone.id}/portal")  # the patient page's portal part
    assert "sent: review it" in status.text and 'id="portal-signed-in">never' not in status.text
    reception = PageUser(clinic, "reception-kim")
    assert "review it" not in reception.get(f"/patients/{someone.id}/portal").text  # no clinical part
    assert reception.post(f"/patients/{someone.id}/portal/invite").status_code == 303  # (re)send the invitation
    assert clinic.call("reception-kim", "POST", f"/api/patients/{someone.id}/portal/invitation").status_code == 201
    assert clinic.call("dr-hale", "GET", f"/api/patients/{someone.id}/portal").json()["episodes"][0][
        "questionnaire_sent"] is True
    review = doctor.get(f"/episodes/{episode.id}/questionnaire")
    assert review.status_code == 200 and "fish oil" in review.text and "Not reviewed yet" in review.text
    corrected = {**ANSWERS, "history.smoker": "on"}
    assert doctor.post(f"/episodes/{episode.id}/questionnaire", corrected).status_code == 303
    reviewed = doctor.get(f"/episodes/{episode.id}/questionnaire")
    assert "1 answer changed" in reviewed.text and reviewed.text.count('class="changed"') == 1
    consultation = doctor.get(f"/episodes/{episode.id}/consultation")
    assert 'name="history.smoker" checked' in consultation.text and "asthma" in consultation.text
    late = patient.post(f"/portal/episodes/{episode.id}/questionnaire", ANSWERS)
    assert late.status_code == 409 and "reviewed your answers" in late.text
    other = registered(clinic, email="other@example.org", family_name="Other")
    assert PortalUser(clinic, other).get(f"/portal/episodes/{episode.id}/questionnaire").status_code == 404


def test_documents_read_before_and_after_and_the_photo_consent_withdrawn_from_the_portal(clinic):
    someone, episode = treated(clinic)
    consents.give_photo_consent(clinic.services, clinic.user("reception-kim"),
                                GivePhotoConsent(patient_id=someone.id, grant=CLINICAL_PHOTOS))
    patient = PortalUser(clinic, someone)
    home = patient.get("/portal")
    assert "read your aftercare instructions" in home.text and "download your signed copy" in home.text
    assert '<span class="badge">read</span>' not in home.text
    assert "About a facial thread lift" in patient.get("/portal/information").text
    assert '<span class="badge">read</span>' in patient.get("/portal").text  # the version shipped, whatever it is
    consent = patient.get(f"/portal/episodes/{episode.id}/consent")
    assert consent.status_code == 200 and episode.consent.document_version in consent.text
    pdf = patient.get(f"/portal/episodes/{episode.id}/consent.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "consent" in PdfReader(BytesIO(pdf.content)).pages[0].extract_text().lower()
    aftercare = patient.get(f"/portal/episodes/{episode.id}/aftercare")
    assert "Sleep on your back" in aftercare.text
    version = episode.discharge.aftercare_version
    assert patient.post(f"/portal/episodes/{episode.id}/aftercare", {"version": version}).status_code == 303
    assert "confirmed" in patient.get("/portal").text
    with clinic.services.uow(read_only=True) as uow:
        readings = {(r.document, r.kind) for r in uow.portal.readings(str(someone.id))}
        (given,) = uow.consents.photo_consents(someone.id)
    assert readings == {("procedure_information", "read"), ("consent", "read"), ("aftercare", "read"),
                        ("aftercare", "acknowledged")}
    withdrawn = patient.post(f"/portal/photo-consents/{given.id}/withdraw", {"reason": "changed my mind"})
    assert withdrawn.status_code == 303
    (now,) = consents.photo_consents(clinic.services, clinic.user("nurse-ade"), someone.id)  # the staff side's view
    assert now.withdrawn_at is not None and not now.allows(PhotoScope.CLINICAL_RECORD, clinic.clock.now)
    assert now.withdrawn_by == f"patient:{someone.id}"
