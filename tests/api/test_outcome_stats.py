"""The clinic's outcome statistics (issue 18) on SQLite and PostgreSQL: a clinic of 12 patients built through
the services and repositories, its figures through the API, the page, the plots, the PDF and the command line,
each figure with the patients it rests on and withheld under the minimum; roles refused."""

from __future__ import annotations

import base64
import io
import secrets
from uuid import UUID

from pypdf import PdfReader
from typer.testing import CliRunner

from tests.helpers.exports import store_patient
from tests.helpers.records import Clinic
from tests.helpers.web import PageUser
from threadlift.cli import app
from threadlift.clinic.episode import State
from threadlift.outcomes import AreaLift, clopper_pearson

PATIENTS = 12


def build_clinic(clinic: Clinic) -> str:
    """12 discharged patients, each with a baseline and a follow-up photo; the follow-up compared (its lift per
    area kept through the registers, as a comparison keeps it): 7 lose the lift at about 3 months, 5
    still hold it when last seen at about 6 months. A second area is measured on 3 patients only. GAIS and
    the patient's report of the effect at the 1-month follow-up, through the API. Returns the area measured."""
    svc = clinic.services
    measured = None
    for n in range(PATIENTS):
        patient = store_patient(svc, State.DISCHARGED, seed_value=500 + n)
        with svc.uow() as uow:
            episode = uow.episodes.for_patient(patient)[0]
            photos = {p.stage.value: p for p in uow.photos.for_episode(episode.id)}
            assert episode.procedure is not None
            areas = sorted({t.area for t in episode.procedure.threads})
            lost = n < 7
            lifts = [AreaLift(str(photos["follow_up"].id), str(photos["baseline"].id), str(episode.id), str(patient),
                              "midface", side, 91 if lost else 182, 0.4 if lost else 2.1, 0.6, "threadlift test")
                     for side in ("left", "right")]
            if n < 3:
                lifts.append(AreaLift(str(photos["follow_up"].id), str(photos["baseline"].id), str(episode.id),
                                      str(patient), "neck", "left", 30, 1.5, 0.5, "threadlift test"))
            uow.registers.record_lifts(lifts, clinic.clock())
            uow.commit()
        measured = measured or areas
        path = f"/api/episodes/{episode.id}/followups/2"
        effect = {"noticeable": False, "lost_after_weeks": 2} if lost else {"noticeable": True}
        done = clinic.call("dr-hale", "POST", path, json={"status": "done", "assessment": {
            "clinician_gais": 2 if lost else 1, "patient_gais": 3, "effect": effect}})
        assert done.status_code == 200, done.text
    return "midface"


def test_outcome_figures_page_plots_report_and_roles(clinic: Clinic, tmp_path, monkeypatch):
    area = build_clinic(clinic)
    response = clinic.call("dr-hale", "GET", "/api/outcomes")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["procedures"] == PATIENTS and body["patients"] == PATIENTS
    assert body["settings"] == {"threshold_mm": 1.0, "min_patients": 10}
    curves = {f["label"]: f for f in body["durability"]}
    midface = curves[area]
    assert midface["basis"] == {"patients": PATIENTS, "withheld": None}
    survival = midface["survival"]
    # 12 at risk; 7 lose the lift at day 91 (S = 5/12), 5 are censored at day 182: the median is day 91.
    assert [(p["day"], round(p["surviving"], 3), p["at_risk"]) for p in survival["points"]] == [
        (0.0, 1.0, 12), (91.0, 0.417, 12), (182.0, 0.417, 5)]
    assert (survival["events"], survival["censored"], survival["median_days"]) == (7, 5, 91.0)
    neck = curves["neck"]
    assert neck["survival"] is None and neck["basis"]["patients"] == 3
    assert neck["basis"]["withheld"] == "withheld: 3 patients, fewer than the minimum of 10 for a figure"
    effect = body["reported_effect"]
    assert effect["basis"]["patients"] == PATIENTS and effect["survival"]["events"] == 7
    assert effect["survival"]["points"][1]["day"] == 14.0  # worn off 2 weeks after the procedure
    rates = {(r["by"], r["value"]): r for r in body["complication_rates"]}
    hale = rates[("clinician", "Dr Hale")]  # every procedure by Dr Hale, each with a dimpling (grade I)
    exact = clopper_pearson(PATIENTS, PATIENTS)
    assert (hale["procedures"], hale["with_complication"], hale["per_100"]) == (PATIENTS, PATIENTS, 100.0)
    assert round(hale["low_per_100"], 2) == round(100 * exact.low, 2) == 73.54
    assert hale["grades"]["I"] == PATIENTS
    assert any(r["basis"]["withheld"] for r in body["complication_rates"] if r["by"] == "lot")  # lots of 1 patient
    assert body["clavien_dindo"]["events"]["I"] == PATIENTS
    gais = {(g["window"], g["rater"]): g for g in body["gais"]}
    month = gais[("1 month", "clinician")]
    assert month["counts"] == {"1": 5, "2": 7, "3": 0, "4": 0, "5": 0} and month["improved_percent"] == 100.0
    assert gais[("1 month", "patient")]["counts"]["3"] == PATIENTS

    png = clinic.call("dr-hale", "GET", f"/api/outcomes/plots/durability.png?area={area}")
    svg = clinic.call("admin", "GET", "/api/outcomes/plots/gais.svg")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert svg.status_code == 200 and b"<svg" in svg.content[:600]
    assert clinic.call("dr-hale", "GET", "/api/outcomes/plots/durability.png?area=forehead").status_code == 404
    assert clinic.call("dr-hale", "GET", "/api/outcomes/plots/other.png").status_code == 422
    for who in ("nurse-ade", "reception-kim"):
        assert clinic.call(who, "GET", "/api/outcomes").status_code == 403

    page = PageUser(clinic, "dr-hale").get("/outcomes")
    assert page.status_code == 200 and "How long the lift lasts" in page.text
    assert "data:image/svg+xml;base64," in page.text and "withheld: 3 patients" in page.text
    pdf = clinic.call("dr-hale", "GET", "/api/outcomes/report.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Durability of the lift" in text and "Dr Hale" in text and "73.5" in text

    monkeypatch.setenv("THREADLIFT_DATABASE_URL", clinic.url)
    monkeypatch.setenv("THREADLIFT_DATA_DIR", str(tmp_path / "operator"))
    monkeypatch.setenv("THREADLIFT_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    out = tmp_path / "report.pdf"
    done = CliRunner().invoke(app, ["outcomes", "report", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert f"{PATIENTS} procedures on {PATIENTS} patients" in done.output and out.read_bytes().startswith(b"%PDF")
    wrong = CliRunner().invoke(app, ["outcomes", "report", "--out", str(tmp_path / "report.txt")])
    assert wrong.exit_code == 2 and "PDF" in wrong.output
    with clinic.services.uow(read_only=True) as uow:
        reads = [e for e in uow.audit.recent(50) if e.entity_type == "outcomes"]
    assert reads and all(UUID(e.user_id) for e in reads if e.user_id)
