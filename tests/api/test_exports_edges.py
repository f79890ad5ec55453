"""Issue 16 end to end through the API and the pages, on SQLite and PostgreSQL: the referral letter when suitability
says "consider a surgical opinion", a patient with no episode yet, a cell a spreadsheet would run, the outcome
report offered only from photos that may leave the clinic, and the audit trail's CSV read page by page."""

from __future__ import annotations

import csv
import io

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
