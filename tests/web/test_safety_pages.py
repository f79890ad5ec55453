"""Issue 14 through the pages: the safety stops a clinician meets (dose, weights, threads against the plan)."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

import pytest

from tests.helpers.records import Clinic
from tests.helpers.web import PageUser, error_for
from tests.web.test_clinical_pages import consented
from tests.web.test_pages import registered
from threadlift.clinic.consultation import TreatmentArea
from threadlift.clinic.patient import PatientChanges
from threadlift.services import people, planning, stock
from threadlift.services.base import PermissionDenied
from threadlift.services.commands import UpdatePatient
from threadlift.services.planning import PlanSubmission


def planned(clinic: Clinic) -> tuple[UUID, UUID]:
    person, episode = consented(clinic)
    planning.submit(clinic.services, clinic.user("dr-hale"), episode, PlanSubmission(areas=[TreatmentArea.JAWLINE]))
    return person, episode


def test_a_dose_over_the_maximum_needs_a_reason_and_a_second_clinician(clinic: Clinic):
    """PRO-04: the refusal says how much may still be given; the page shows it before every injection; an
    override needs 10 characters of reason and another clinician's confirmation (issue 14, item 1)."""
    _, episode = planned(clinic)
    hale, osei = PageUser(clinic, "dr-hale"), PageUser(clinic, "dr-osei")
    base = f"/episodes/{episode}/procedure"
    assert hale.post(f"{base}/start").status_code == 303
    hale.post(f"{base}/checklist", {"item": "last_kit_present"})
    page = hale.get(base).text  # 64 kg, UK: 448 mg with adrenaline, 200 mg plain
    assert "up to 448 mg with adrenaline (44.8 mL of 1%) or 200 mg plain (20.0 mL of 1%)" in page
    assert "Dosing weight: actual body weight" in page
    shot = {"concentration_percent": "2", "volume_ml": "15", "with_adrenaline": "on"}  # 300 mg
    assert hale.post(f"{base}/injections", shot).status_code == 303
    over = hale.post(f"{base}/injections", shot)
    assert over.status_code == 409
    assert "at most 148 mg more lidocaine with adrenaline may be given (7.4 mL of 2%)" in error_for(over.text,
                                                                                                    "volume_ml")
    short = hale.post(f"{base}/injections", {**shot, "override_reason": "ok"})
    assert short.status_code == 422 and "10 characters" in (error_for(short.text, "override_reason") or "")
    reason = "Second side still painful; anaesthetist present and monitoring."
    assert hale.post(f"{base}/injections", {**shot, "override_reason": reason}).status_code == 303
    mine = hale.get(base).text
    assert "awaiting a second clinician" in mine and "Not given:" in mine and "Running total <strong>300 mg" in mine
    assert "Confirm as the second clinician" not in mine  # the proposer is not offered the confirmation
    theirs = osei.get(base).text
    confirm = re.search(r'action="(/episodes/[^"]+/confirm)"', theirs)
    assert confirm and osei.post(confirm.group(1)).status_code == 303
    after = hale.get(base).text
    assert "Running total <strong>600 mg" in after and "confirmed by Dr Osei" in after
    assert "awaiting a second clinician" not in after


def test_reception_cannot_change_the_weights_that_set_the_maximum(clinic: Clinic):
    person, _ = registered(clinic)
    reception = clinic.user("reception-kim")
    with pytest.raises(PermissionDenied, match="clinician or nurse changes them"):
        people.update_patient(clinic.services, reception, UpdatePatient(
            patient_id=person, changes=PatientChanges(dosing_weight_kg=90)))
    kim = PageUser(clinic, "reception-kim")
    form = kim.get(f"/patients/{person}/edit").text
    assert 'name="weight_kg"' not in form and "a clinician or nurse changes them" in form
    saved = kim.post(f"/patients/{person}", {"family_name": "Okafor", "given_name": "Ada", "weight_kg": "90",
                                             "phone": "", "email": ""})
    assert saved.status_code == 303
    kept = people.get_patient(clinic.services, clinic.user("dr-hale"), person)
    assert (kept.given_name, kept.weight_kg) == ("Ada", 64.0)
    people.update_patient(clinic.services, clinic.user("nurse-ade"), UpdatePatient(
        patient_id=person, changes=PatientChanges(weight_kg=66)))


def test_lot_recall_ignores_case_and_tells_an_unknown_lot_from_one_without_recipients(clinic: Clinic):
    nurse = PageUser(clinic, "nurse-ade")
    today = clinic.clock.now.date()
    lot = {"product": "Lift Cog", "material": "PDO", "design": "mono", "gauge": "29G", "length_mm": "38",
           "lot": "PDO-2026-0901", "expiry": (today - timedelta(days=1)).isoformat(), "quantity_received": "10",
           "received_on": today.isoformat()}
    expired = nurse.post("/stock", lot)
    assert expired.status_code == 409 and "an expired lot is not received" in (error_for(expired.text, "expiry") or "")
    assert nurse.post("/stock", {**lot, "expiry": (today + timedelta(days=300)).isoformat()}).status_code == 303
    known = nurse.post("/registers/recall", {"lot": "pdo-2026-0901"})
    assert known.status_code == 200 and "No patient received a thread from this lot" in known.text
    unknown = nurse.post("/registers/recall", {"lot": "PDO-2026-0999"})
    assert unknown.status_code == 404 and "was ever received into stock" in unknown.text


def test_a_form_sent_twice_records_once_and_an_api_create_is_idempotent(clinic: Clinic):
    """Issue 14 item 5: two taps on "Record consent" gave two photo consents; the API had no idempotency key."""
    from threadlift.services import consents

    person, _ = registered(clinic)
    hale = clinic.user("dr-hale")
    before = len(consents.photo_consents(clinic.services, hale, person))
    kim = PageUser(clinic, "reception-kim")
    form = {"scopes": "teaching", "form_token": "8d6f0c1e-tap-twice"}
    first, second = kim.post(f"/patients/{person}/photo-consents", form), kim.post(f"/patients/{person}/photo-consents",
                                                                                  form)
    assert first.status_code == second.status_code == 303 and second.headers["idempotent-replayed"] == "true"
    assert first.headers["location"] == second.headers["location"]
    assert len(consents.photo_consents(clinic.services, hale, person)) == before + 1
    kim.post(f"/patients/{person}/photo-consents", {**form, "form_token": "another-form-shown"})
    assert len(consents.photo_consents(clinic.services, hale, person)) == before + 2

    headers = {**clinic.headers("dr-hale"), "Idempotency-Key": "retry-after-a-cut-off-1"}
    lot = {"product": "Lift Cog", "material": "PDO", "design": "mono", "gauge": "29G", "length_mm": 38,
           "lot": "IDEM-1", "expiry": "2027-06-30", "quantity_received": 10, "received_on": "2026-11-01"}
    made = clinic.client.post("/api/threads/lots", json=lot, headers=headers)
    again = clinic.client.post("/api/threads/lots", json=lot, headers=headers)
    assert made.status_code == again.status_code == 201 and made.json() == again.json()
    assert [s.lot.lot for s in stock.lots(clinic.services, hale)].count("IDEM-1") == 1
    other = clinic.client.post("/api/threads/lots", json={**lot, "lot": "IDEM-2"}, headers=headers)
    assert other.status_code == 422 and "another request" in other.json()["detail"]


def test_an_injection_entered_in_error_is_kept_struck_through_out_of_the_total_and_exported_so(clinic: Clinic):
    """Issue 14 item 4: nothing could be corrected. The entry stays, with who, when and why; it no longer counts."""
    from threadlift.services import audit, exports

    person, episode = planned(clinic)
    hale = PageUser(clinic, "dr-hale")
    base = f"/episodes/{episode}/procedure"
    hale.post(f"{base}/start")
    hale.post(f"{base}/checklist", {"item": "last_kit_present"})
    for volume in ("5", "30"):  # 30 mL was meant to be 3.0 mL
        hale.post(f"{base}/injections", {"concentration_percent": "1", "volume_ml": volume, "with_adrenaline": "on"})
    assert "Running total <strong>350 mg" in hale.get(base).text
    short = hale.post(f"/episodes/{episode}/entered-in-error", {"kind": "injection", "index": "1", "reason": "typo"})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    reason = "Typed 30 mL for 3.0 mL; recorded again"
    marked = clinic.call("dr-hale", "POST", f"/api/episodes/{episode}/entered-in-error",
                         json={"kind": "injection", "index": 1, "reason": reason})
    assert marked.status_code == 201
    page = hale.get(base).text
    assert "Running total <strong>50 mg" in page and f"entered in error: {reason} (Dr Hale" in page
    assert 'class="in-error"' in page and "<td>30.0 mL</td>" in page  # the original stays, struck through
    again = clinic.call("dr-hale", "POST", f"/api/episodes/{episode}/entered-in-error",
                        json={"kind": "injection", "index": 1, "reason": reason})
    assert again.status_code == 409 and "already marked" in again.json()["detail"]
    bundle = exports.fhir_bundle(clinic.services, clinic.user("dr-hale"), person)
    given = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationAdministration"
             and "lidocaine" in str(e["resource"].get("medication"))]
    assert sorted(r["status"] for r in given) == ["completed", "entered-in-error"]
    assert any(reason in n["text"] for r in given for n in r.get("note", []))
    # An adverse event is updated as it goes on: resolved, with its day (never after today).
    today = clinic.clock.now.date()
    assert clinic.call("nurse-ade", "POST", f"/api/episodes/{episode}/adverse-events", json={
        "type": "bruising", "onset_on": today.isoformat(), "severity": 1}).status_code == 201
    tomorrow = clinic.call("nurse-ade", "POST", f"/api/episodes/{episode}/adverse-events/0/progress", json={
        "outcome": "resolved", "resolved_on": (today + timedelta(days=1)).isoformat()})
    assert tomorrow.status_code == 409 and "after today" in tomorrow.json()["detail"]
    resolved = clinic.call("nurse-ade", "POST", f"/api/episodes/{episode}/adverse-events/0/progress", json={
        "outcome": "resolved", "resolved_on": today.isoformat()})
    assert resolved.status_code == 200 and resolved.json()["event"]["outcome"] == "resolved"
    trail = audit.audit_trail(clinic.services, clinic.user("admin"), limit=1000)
    assert any(e.action == "entered_in_error" and e.detail == {"state": "procedure", "kind": "injection", "index": 1}
               for e in trail)
