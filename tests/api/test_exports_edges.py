"""Issue 16 end to end through the API and the pages, on SQLite and PostgreSQL: the referral letter when suitability
says "consider a surgical opinion", a patient with no episode yet, a cell a spreadsheet would run, the outcome
report offered only from photos that may leave the clinic, the audit trail's CSV read page by page, the paper size
and clinic name of the documents from the settings, and the subject-access photo without its location."""

from __future__ import annotations

import csv
import io
import zipfile

from pypdf import PdfReader

from tests.api.test_exports_api import actions, episode_of
from tests.api.test_pathway import CONSULTATION, PATIENT, ok
from tests.helpers.exports import store_patient
from tests.helpers.records import Clinic
from tests.helpers.web import PageUser
from threadlift.clinic.episode import State
from threadlift.interop.fhir.check import validate
from threadlift.services import audit


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_referral_letter_from_its_page_and_the_api_when_suitability_suggests_surgery(clinic: Clinic):
    patient = ok(clinic.call("reception-kim", "POST", "/api/patients", json=PATIENT), 201)
    episode = ok(clinic.call("reception-kim", "POST", f"/api/patients/{patient['id']}/episodes"), 201)
    e = f"/api/episodes/{episode['id']}"
    ok(clinic.call("dr-hale", "PUT", f"{e}/consultation", json={**CONSULTATION, "laxity_grade": 4.0,
                                                                 "heavy_lower_face": True}))
    decision = ok(clinic.call("dr-hale", "POST", f"{e}/suitability"))
    assert decision["decision"] == "refer_surgical_opinion"

    letter = clinic.call("dr-hale", "GET", f"{e}/documents/referral")
    assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
    text = text_of(letter.content)
    assert "Referral for a surgical opinion" in text and "Adaeze Okafor" in text and "laxity grade 4 of 4" in text
    assert clinic.call("reception-kim", "GET", f"{e}/documents/referral").status_code == 403

    doctor = PageUser(clinic, "dr-hale")
    page = doctor.get(f"/episodes/{episode['id']}/suitability").text
    assert f"/episodes/{episode['id']}/documents/referral.pdf" in page
    download = doctor.get(f"/episodes/{episode['id']}/documents/referral.pdf")
    assert download.status_code == 200 and text_of(download.content) == text
    assert [d["kind"] for a, _, d in actions(clinic) if a == "document"] == ["referral", "referral"]
    archive = clinic.call("admin", "GET", f"/api/patients/{patient['id']}/subject-access")
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        [name] = [n for n in zipped.namelist() if n.startswith("documents/")]  # no consent signed yet
        assert name.endswith("-referral.pdf") and text_of(zipped.read(name)) == text


def test_a_patient_with_no_episode_exports_as_the_patient_alone(clinic: Clinic):
    patient = ok(clinic.call("reception-kim", "POST", "/api/patients", json=PATIENT), 201)
    assert clinic.call("reception-kim", "GET", f"/api/patients/{patient['id']}/fhir").status_code == 403
    bundle = ok(clinic.call("dr-hale", "GET", f"/api/patients/{patient['id']}/fhir"))
    validate([bundle])
    resources = [e["resource"] for e in bundle["entry"]]
    assert [r["resourceType"] for r in resources] == ["Patient", "Organization"]
    assert resources[0]["birthDate"] == "1979-04-12" and resources[0]["name"][0]["family"] == "Okafor"
    assert [(a, e, d["resources"]) for a, e, d in actions(clinic)] == [("export", "patient", 2)]


def test_a_name_a_spreadsheet_would_run_is_neutralised_in_the_csvs(clinic: Clinic):
    patient_id = store_patient(clinic.services, State.FOLLOW_UP, seed_value=8)
    ok(clinic.call("reception-kim", "PATCH", f"/api/patients/{patient_id}",
                   json={"family_name": '=HYPERLINK("http://x.invalid","see")', "given_name": "@SUM(A1)"}))
    lot = next(csv.DictReader(io.StringIO(clinic.call("dr-hale", "GET", "/api/registers/complications.csv").text)))[
        "lots"]
    recall = clinic.call("dr-hale", "GET", "/api/registers/recall.csv", params={"lot": lot})
    [row] = {r["patient_name"] for r in csv.DictReader(io.StringIO(recall.text))}
    assert row == "'@SUM(A1) =HYPERLINK(\"http://x.invalid\",\"see\")"
    assert '"\'@SUM(A1) =HYPERLINK(""http://x.invalid"",""see"")"' in recall.text  # RFC 4180: quotes doubled
    due = clinic.call("reception-kim", "GET", "/api/followups/due.csv", params={"on": "2025-11-01",
                                                                                 "within_days": 366})
    names = {r["patient_name"] for r in csv.DictReader(io.StringIO(due.text))}
    assert names == {row} and all(not n.startswith(("=", "+", "-", "@")) for n in names)


def test_the_follow_up_page_offers_the_outcome_report_only_from_photos_that_may_leave(clinic: Clinic):
    patient_id = store_patient(clinic.services, State.FOLLOW_UP, seed_value=9, withdrawn=True)
    episode_id = episode_of(clinic, patient_id)
    doctor = PageUser(clinic, "dr-hale")
    page = doctor.get(f"/episodes/{episode_id}/follow-up").text
    assert f"/episodes/{episode_id}/compare/" in page  # the clinic still compares its own photos
    assert "outcome.pdf" not in page and "No outcome report: the patient's consent" in page
    assert f"/episodes/{episode_id}/documents/aftercare.pdf" in page
    assert doctor.get(f"/episodes/{episode_id}/documents/outcome.pdf").status_code == 409


def test_the_audit_trail_csv_is_read_page_by_page_and_logs_what_was_asked(clinic: Clinic, monkeypatch):
    monkeypatch.setattr(audit, "MAX_PAGE", 4)
    store_patient(clinic.services, State.CONSENTED, seed_value=10, with_photos=False)
    whole = clinic.call("admin", "GET", "/api/audit.csv")
    ids = [int(r["id"]) for r in csv.DictReader(io.StringIO(whole.text))]
    assert len(ids) > 8 and ids == sorted(set(ids))  # more than two pages of 4, none twice
    later = clinic.call("admin", "GET", "/api/audit.csv", params={"after_id": ids[2]})
    assert [int(r["id"]) for r in csv.DictReader(io.StringIO(later.text))][:len(ids) - 3] == ids[3:]
    logged = [d for a, e, d in actions(clinic) if a == "export" and d.get("format") == "csv"]
    assert [d["after_id"] for d in logged] == [0, ids[2]]  # what was asked for, not the last page read


def test_the_paper_and_the_name_on_each_document_come_from_the_clinics_settings(clinic: Clinic):
    from dataclasses import replace

    from threadlift.clinic.policy import Jurisdiction
    from threadlift.services import documents

    patient_id = store_patient(clinic.services, State.DISCHARGED, seed_value=12, with_photos=False)
    episode_id = episode_of(clinic, patient_id)
    for jurisdiction, name, width, height in ((Jurisdiction.UK, "Riverside Aesthetics", 595.28, 841.89),
                                              (Jurisdiction.US, "Lakeside Aesthetics", 612, 792)):
        services = replace(clinic.services, settings=replace(clinic.services.settings, jurisdiction=jurisdiction,
                                                             clinic_name=name))
        for kind in ("consent", "aftercare"):
            pdf, _ = documents.document(services, clinic.user("dr-hale"), episode_id, kind)
            reader = PdfReader(io.BytesIO(pdf))
            box = reader.pages[0].mediabox
            assert (round(float(box.width), 2), round(float(box.height), 2)) == (width, height)
            assert name in reader.pages[0].extract_text()


def test_subject_access_gives_the_photo_as_the_patient_gave_it_without_its_location(clinic: Clinic):
    import json

    from PIL import Image

    from tests.helpers.photos import read_rgb

    patient = ok(clinic.call("reception-kim", "POST", "/api/patients", json=PATIENT), 201)
    episode = ok(clinic.call("reception-kim", "POST", f"/api/patients/{patient['id']}/episodes"), 201)
    ok(clinic.call("reception-kim", "POST", f"/api/patients/{patient['id']}/photo-consents",
                   json={"scopes": ["clinical_record"]}), 201)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 30.0)}  # GPS latitude and longitude
    buffer = io.BytesIO()
    Image.fromarray(read_rgb("obama3.jpg")).save(buffer, "JPEG", quality=92, exif=exif)
    photo = ok(clinic.call("nurse-ade", "POST", f"/api/episodes/{episode['id']}/photos", data={"view": "frontal"},
                           files={"file": ("face.jpg", buffer.getvalue(), "image/jpeg")}), 201)
    assert photo["location_removed"] is True
    stored = clinic.call("dr-hale", "GET", f"/api/photos/{photo['id']}/image").content
    archive = clinic.call("admin", "GET", f"/api/patients/{patient['id']}/subject-access")
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        [name] = [n for n in zipped.namelist() if n.startswith("photos/")]
        given = zipped.read(name)
        readme = zipped.read("README.txt").decode()
        bundle = json.loads(zipped.read("record.fhir.json"))
    assert given == stored and name.endswith(".jpg") and name in readme
    tags = Image.open(io.BytesIO(given)).getexif()
    assert 0x8825 not in tags and tags.get(0x010F) == "PhoneMaker"  # the camera kept, where it was taken gone
    [document] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference"]
    assert document["id"] == photo["id"] and "data" not in document["content"][0]["attachment"]


def test_the_follow_ups_due_csv_from_the_dashboard_lists_what_the_dashboard_shows(clinic: Clinic):
    for seed_value in (13, 14):
        store_patient(clinic.services, State.DISCHARGED, seed_value=seed_value, with_photos=False)
    clinic.clock.advance(days=-400)  # the follow-ups of the coming week are due: a few, not all
    reception = PageUser(clinic, "reception-kim")
    board = reception.get("/").text
    rows = list(csv.DictReader(io.StringIO(reception.get("/followups/due.csv").text)))
    assert rows and all(f"{r['follow_up']} ({r['kind']})" in board and r["patient_name"] in board for r in rows)
    later = {(r["patient_name"], r["follow_up"]) for r in csv.DictReader(io.StringIO(clinic.call(
        "reception-kim", "GET", "/api/followups/due.csv", params={"within_days": 366}).text))}
    assert {(r["patient_name"], r["follow_up"]) for r in rows} < later  # the page's CSV keeps to the board's week
