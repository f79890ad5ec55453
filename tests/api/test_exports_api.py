"""Exports through the JSON API and the pages: FHIR, documents, register CSVs, subject access; who may
download what (reception: nothing clinical), what bad ids get, and the audit trail."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from pypdf import PdfReader

from tests.helpers.exports import store_patient
from tests.helpers.records import Clinic
from tests.helpers.web import PageUser
from threadlift.clinic.episode import State
from threadlift.interop.fhir.check import validate

UNKNOWN = "8d6f0c9e-0000-4000-8000-000000000000"


def episode_of(clinic: Clinic, patient_id) -> str:  # type: ignore[no-untyped-def]
    with clinic.services.uow(read_only=True) as uow:
        [episode] = uow.episodes.for_patient(patient_id)
        return str(episode.id)


def actions(clinic: Clinic) -> list[tuple[str, str, dict]]:
    with clinic.services.uow(read_only=True) as uow:
        return [(r.action, r.entity_type, dict(r.detail)) for r in uow.audit.entries(limit=1000)
                if r.action in ("export", "document", "subject_access")]


def test_api_downloads_and_who_may_have_them(clinic: Clinic):
    patient_id = store_patient(clinic.services, State.FOLLOW_UP)
    episode_id = episode_of(clinic, patient_id)
    fhir = clinic.call("dr-hale", "GET", f"/api/patients/{patient_id}/fhir")
    assert fhir.status_code == 200 and fhir.headers["content-type"] == "application/fhir+json"
    validate([fhir.json()])
    assert clinic.call("admin", "GET", f"/api/patients/{patient_id}/fhir?version=R4B").status_code == 200
    for who in ("reception-kim", "nurse-ade"):
        assert clinic.call(who, "GET", f"/api/patients/{patient_id}/fhir").status_code == 403
    assert clinic.call("dr-hale", "GET", f"/api/patients/{UNKNOWN}/fhir").status_code == 404
    assert clinic.call("dr-hale", "GET", f"/api/patients/{patient_id}/fhir?version=STU3").status_code == 422

    for kind in ("consent", "aftercare"):
        pdf = clinic.call("nurse-ade", "GET", f"/api/episodes/{episode_id}/documents/{kind}")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert "attachment" in pdf.headers["content-disposition"] and pdf.headers["cache-control"] == "no-store"
        assert PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        for who in ("reception-kim", "admin"):
            assert clinic.call(who, "GET", f"/api/episodes/{episode_id}/documents/{kind}").status_code == 403
    assert clinic.call("dr-hale", "GET", f"/api/episodes/{episode_id}/documents/referral").status_code == 409
    assert clinic.call("dr-hale", "GET", f"/api/episodes/{UNKNOWN}/documents/consent").status_code == 404
    assert clinic.call("dr-hale", "GET", f"/api/episodes/{episode_id}/documents/invoice").status_code == 422

    archive = clinic.call("admin", "GET", f"/api/patients/{patient_id}/subject-access")
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        names = zipped.namelist()
        readme = zipped.read("README.txt").decode()
        validate([json.loads(zipped.read("record.fhir.json"))])
    assert sum(n.startswith("photos/") for n in names) == 2 and sum(n.startswith("documents/") for n in names) >= 2
    assert all(n in readme for n in names if n != "README.txt")
    for who in ("dr-hale", "reception-kim"):
        assert clinic.call(who, "GET", f"/api/patients/{patient_id}/subject-access").status_code == 403
    assert clinic.call("admin", "GET", f"/api/patients/{UNKNOWN}/subject-access").status_code == 404
    logged = actions(clinic)
    assert [a for a, _, _ in logged].count("export") == 2 and ("subject_access", "patient") in [(a, e) for a, e, _
                                                                                               in logged]
    assert [d["kind"] for a, _, d in logged if a == "document"] == ["consent", "aftercare"]


def test_register_csvs_filtered_as_on_screen_and_reception_kept_to_the_schedule(clinic: Clinic):
    store_patient(clinic.services, State.FOLLOW_UP, seed_value=3)
    store_patient(clinic.services, State.DISCHARGED, seed_value=4)
    complications = clinic.call("nurse-ade", "GET", "/api/registers/complications.csv")
    assert complications.status_code == 200 and complications.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(complications.text)))
    assert len(rows) == 2 and rows[0]["type"] == "dimpling" and rows[0]["onset_on"][4] == "-"
    lot = rows[0]["lots"]
    filtered = list(csv.DictReader(io.StringIO(clinic.call("dr-hale", "GET", "/api/registers/complications.csv",
                                                           params={"lot": lot}).text)))
    assert [r["lots"] for r in filtered] == [lot]
    none = clinic.call("dr-hale", "GET", "/api/registers/complications.csv", params={"type": "infection"})
    assert none.text.strip() == "onset_on,type,area,serious,severity,clavien_dindo,tier,outcome,lots,products," \
                                "episode_id,patient_id,event_id"
    recall = list(csv.DictReader(io.StringIO(clinic.call("dr-hale", "GET", "/api/registers/recall.csv",
                                                         params={"lot": lot}).text)))
    assert recall and all(r["lot"] == lot and r["date_of_birth"][4] == "-" for r in recall)
    due = clinic.call("reception-kim", "GET", "/api/followups/due.csv", params={"on": "2025-11-01",
                                                                                 "within_days": 366})
    assert due.status_code == 200 and len(list(csv.DictReader(io.StringIO(due.text)))) >= 1
    audit = clinic.call("admin", "GET", "/api/audit.csv")
    assert audit.status_code == 200 and "subject_access" not in audit.text and "export" in audit.text
    for path in ("/api/registers/complications.csv", f"/api/registers/recall.csv?lot={lot}", "/api/audit.csv"):
        assert clinic.call("reception-kim", "GET", path).status_code == 403
    assert clinic.call("dr-hale", "GET", "/api/audit.csv").status_code == 403
    assert clinic.call("reception-kim", "GET", "/api/followups/due.csv?within_days=100000").status_code == 422
    assert clinic.call("admin", "GET", "/api/followups/due.csv?within_days=100000").status_code == 403  # role first


def test_the_pages_offer_each_download_to_those_who_may_have_it(clinic: Clinic):
    patient_id = store_patient(clinic.services, State.FOLLOW_UP, seed_value=5)
    episode_id = episode_of(clinic, patient_id)
    doctor, reception, admin = (PageUser(clinic, u) for u in ("dr-hale", "reception-kim", "admin"))
    page = doctor.get(f"/patients/{patient_id}").text
    assert f"/patients/{patient_id}/fhir.json" in page and "subject-access" not in page
    assert f"/patients/{patient_id}/fhir.json" not in reception.get(f"/patients/{patient_id}").text
    assert f"/patients/{patient_id}/subject-access" in admin.get(f"/patients/{patient_id}").text
    assert f"/episodes/{episode_id}/documents/consent.pdf" in doctor.get(f"/episodes/{episode_id}/consent").text
    assert f"/episodes/{episode_id}/documents/outcome.pdf" in doctor.get(f"/episodes/{episode_id}/follow-up").text
    consent = doctor.get(f"/episodes/{episode_id}/documents/consent.pdf")
    assert consent.status_code == 200 and consent.content.startswith(b"%PDF")
    assert reception.get(f"/episodes/{episode_id}/documents/consent.pdf").status_code == 403
    assert doctor.get(f"/patients/{patient_id}/fhir.json").status_code == 200
    assert reception.get(f"/patients/{patient_id}/fhir.json").status_code == 403
    archive = admin.post("/admin/subject-access", {"patient_id": str(patient_id)})
    assert archive.status_code == 200 and archive.content[:2] == b"PK"
    assert admin.post("/admin/subject-access", {"patient_id": "Okafor"}).status_code == 409
    assert admin.post("/admin/subject-access", {"patient_id": UNKNOWN}).status_code == 404
    assert doctor.post("/admin/subject-access", {"patient_id": str(patient_id)}).status_code == 403
    assert 'href="/registers/complications.csv?type=dimpling' in doctor.get(
        "/registers/complications?type=dimpling").text
    assert doctor.get("/registers/complications.csv?type=dimpling").text.count("\r\n") == 2
    lot = next(csv.DictReader(io.StringIO(doctor.get("/registers/complications.csv").text)))["lots"]
    assert "Download this list as CSV" in doctor.post("/registers/recall", {"lot": lot}).text
    assert doctor.post("/registers/recall.csv", {"lot": lot}).headers["content-type"].startswith("text/csv")
    assert "/admin/audit.csv" in admin.get("/admin").text and admin.get("/admin/audit.csv").status_code == 200
