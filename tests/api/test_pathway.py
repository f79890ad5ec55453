"""The whole pathway through the JSON API, on SQLite and PostgreSQL, and every refusal on the way."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image

from tests.helpers.clinic import lot_entry, signature_png
from tests.helpers.photos import faces_dir
from tests.helpers.records import Clinic
from threadlift.clinic.consultation import Risk
from threadlift.clinic.discharge import Criterion
from threadlift.clinic.procedure import ChecklistItem

PATIENT = {"family_name": "Okafor", "given_name": "Adaeze", "date_of_birth": "1979-04-12", "sex": "female",
           "phone": "+44 20 7946 0000", "email": "adaeze@example.org", "weight_kg": 64, "height_cm": 168}
CONSULTATION = {
    "history": {"medicines": [
        {"name": "fish oil", "medicine_class": "supplement_blood_thinning", "prescribed": False}]},
    "bdd_screen": {"concerned_about_appearance": True, "preoccupied": False, "distress": 2, "social_impairment": 1,
                   "work_or_study_impairment": 1, "avoidance": 1, "appearance_main_concern_not_weight": False},
    "areas_of_concern": [{"area": "jawline", "grade": 2}, {"area": "midface", "grade": 2}],
    "risks_discussed": [r.value for r in Risk],
    "expectations": "A firmer jawline; understands the effect fades over months.",
    "laxity_grade": 2.0,
    "consulted_on": "2026-11-02",
}
LOT = {"product": "Lift Cog 19G 100 mm", "manufacturer": "Example Threads Ltd", "material": "PDO",
       "design": "barbed_bidirectional", "gauge": "19G", "length_mm": 100, "lot": "PDO-2026-A1",
       "expiry": "2027-06-30", "quantity_received": 10, "received_on": "2026-09-01"}


def ok(response, status=200):  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    return response.json()


def refused(response, status, rule=None):  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    if rule is not None:
        assert body["rule"] == rule, body
    return body


def jpeg(name: str) -> bytes:
    buffer = io.BytesIO()
    Image.open(faces_dir() / name).convert("RGB").save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def test_the_whole_pathway(clinic: Clinic):
    c = clinic
    patient = ok(c.call("reception-kim", "POST", "/api/patients", json=PATIENT), 201)
    assert ok(c.call("reception-kim", "GET", "/api/patients", params={"search": "okaf ada"}))["total"] == 1
    episode = ok(c.call("reception-kim", "POST", f"/api/patients/{patient['id']}/episodes"), 201)
    e = f"/api/episodes/{episode['id']}"
    ok(c.call("reception-kim", "POST", f"/api/patients/{patient['id']}/photo-consents",
              json={"scopes": ["clinical_record", "teaching"]}), 201)

    ok(c.call("dr-hale", "PUT", f"{e}/consultation", json=CONSULTATION))
    decision = ok(c.call("dr-hale", "POST", f"{e}/suitability"))
    assert decision["decision"] == "suitable" and decision["findings"][0]["rule"] == "SEL-06"
    ok(c.call("dr-hale", "POST", f"{e}/consents", json={"document_version": "2026.1", "typed_name": "Adaeze Okafor",
                                                        "signature_png_base64": signature_png()}), 201)
    consent = ok(c.call("dr-hale", "GET", f"{e}/consents"))[0]
    assert consent["intact"] and consent["taken_by"] and consent["client_address"]
    ok(c.call("dr-hale", "POST", f"{e}/plan", json={"areas": ["jawline", "midface"], "note": "2 cogs per side"}), 201)

    photo = ok(c.call("nurse-ade", "POST", f"{e}/photos", data={"view": "frontal", "stage": "baseline"},
                      files={"file": ("before.jpg", jpeg("obama3.jpg"), "image/jpeg")}), 201)
    assert len(photo["original_sha256"]) == 64 and photo["analysis"]["image"]["path"] is None
    image = c.call("dr-hale", "GET", f"/api/photos/{photo['id']}/image")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"

    first = ok(c.call("nurse-ade", "POST", "/api/threads/lots", json=LOT), 201)
    second = ok(c.call("nurse-ade", "POST", "/api/threads/lots", json={**LOT, "lot": "PDO-2026-B7"}), 201)

    ok(c.call("dr-hale", "POST", f"{e}/procedure"), 201)
    refused = c.call("nurse-ade", "POST", f"{e}/procedure/checklist", json={"item": "cleaned", "amount_g": 2})
    assert refused.status_code in (409, 422) and "grams" in refused.text
    for item in ChecklistItem:
        if item is not ChecklistItem.TOPICAL_REMOVED:
            amount = {"amount_g": 2} if item is ChecklistItem.TOPICAL_APPLIED else {}
            ok(c.call("nurse-ade", "POST", f"{e}/procedure/checklist", json={"item": item.value, **amount}), 201)
    c.wait(minutes=30)
    ok(c.call("nurse-ade", "POST", f"{e}/procedure/checklist", json={"item": "topical_anaesthetic_removed"}), 201)
    dose = ok(c.call("dr-hale", "POST", f"{e}/procedure/injections",
                     json={"concentration_percent": 1, "volume_ml": 4, "with_adrenaline": True}), 201)
    assert dose["total_mg"] == 40 and dose["max_with_adrenaline_mg"] == 448
    assert "50 mg lidocaine" in dose["topical_note"]  # PRO-04: noted, not in the total
    for lot, side in ((first, "left"), (second, "right")):
        ok(c.call("dr-hale", "POST", f"{e}/procedure/threads",
                  json={"lot_id": lot["id"], "area": "jawline", "side": side, "vector": "pre-auricular -> jowl",
                        "anchored": False, "entry_to_exit_mm": 85}), 201)
    c.wait(minutes=25)
    ended = ok(c.call("dr-hale", "POST", f"{e}/procedure/end"))
    assert ended["ended_at"] and len(ended["threads"]) == 2

    c.wait(minutes=20)
    ok(c.call("nurse-ade", "POST", f"{e}/observations", json={"pulse_bpm": 74, "pain_score": 2}), 201)
    c.wait(minutes=20)
    by_nurse = c.call("nurse-ade", "POST", f"{e}/discharge", json={"criteria": {k.value: True for k in Criterion},
                                                                "aftercare_version": "2026.1"})
    assert by_nurse.status_code == 403  # discharge is the clinician's decision (docs/permissions.md)
    follow_ups = ok(c.call("dr-hale", "POST", f"{e}/discharge",
                           json={"criteria": {k.value: True for k in Criterion}, "aftercare_version": "2026.1"}))
    assert [f["name"] for f in follow_ups["follow_ups"]][:2] == ["day-1 call", "1 week"]
    assert "Call the clinic" in ok(c.call("nurse-ade", "GET", "/api/aftercare/2026.1"))["text"]

    c.next_day()
    due = ok(c.call("reception-kim", "GET", "/api/followups/due"))
    assert due[0]["name"] == "day-1 call" and due[0]["patient_name"] == "Adaeze Okafor"
    ok(c.call("nurse-ade", "POST", f"{e}/followups/0", json={"status": "done", "note": "comfortable"}))
    event = ok(c.call("nurse-ade", "POST", f"{e}/adverse-events",
                      json={"type": "infection", "onset_on": "2026-11-03", "severity": 2, "serious": True,
                            "intervention": "drug", "area": "jawline", "side": "left", "pus_present": True,
                            "lot_ids": [first["id"]]}), 201)
    assert event["clavien_dindo"] == "II" and event["tier"] == "U"
    prompts = ok(c.call("dr-hale", "GET", f"{e}/adverse-events"))[0]["prompts"]
    assert any("culture" in p for p in prompts)
    serious = ok(c.call("dr-hale", "GET", "/api/adverse-events", params={"serious": True}))
    assert [s["type"] for s in serious] == ["infection"]

    recall = ok(c.call("dr-hale", "GET", "/api/threads/lots/PDO-2026-A1/patients"))
    assert [(r["patient_name"], r["side"]) for r in recall] == [("Adaeze Okafor", "left")]
    stock = {s["lot"]["lot"]: s for s in ok(c.call("nurse-ade", "GET", "/api/threads/lots"))}
    assert stock["PDO-2026-A1"]["available"] == 9

    assert ok(c.call("admin", "GET", "/api/audit/verify")) == {"intact": True}
    actions = {row["action"] for row in ok(c.call("admin", "GET", "/api/audit", params={"limit": 1000}))}
    assert {"create", "read", "consent", "procedure_start", "thread", "discharge", "recall"} <= actions


def test_refusals_answer_with_the_rule(clinic: Clinic):
    c = clinic
    patient = ok(c.call("reception-kim", "POST", "/api/patients", json=PATIENT), 201)
    episode = ok(c.call("reception-kim", "POST", f"/api/patients/{patient['id']}/episodes"), 201)
    e = f"/api/episodes/{episode['id']}"
    # no login, unknown ids, field-level validation
    assert c.client.get(f"/api/patients/{patient['id']}").status_code == 401
    assert c.call("dr-hale", "GET", "/api/patients/00000000-0000-4000-8000-000000000000").status_code == 404
    bad = c.call("dr-hale", "PUT", f"{e}/consultation", json={**CONSULTATION, "laxity_grade": 7})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "laxity_grade"
    assert c.call("reception-kim", "POST", "/api/patients", json={**PATIENT, "date_of_birth": "2090-01-01"}
                  ).status_code == 422
    # illegal transitions: no suitability before a consultation, no procedure before consent
    refused(c.call("dr-hale", "POST", f"{e}/suitability"), 409, "episode_state")
    refused(c.call("dr-hale", "POST", f"{e}/procedure"), 409, "episode_state")
    ok(c.call("dr-hale", "PUT", f"{e}/consultation", json=CONSULTATION))
    # roles: only clinicians decide suitability; reception never sees medical history or photos
    refused(c.call("nurse-ade", "POST", f"{e}/suitability"), 403, "permission")
    refused(c.call("reception-kim", "GET", f"{e}/consultation"), 403)
    refused(c.call("reception-kim", "GET", f"{e}/photos"), 403)
    assert set(ok(c.call("reception-kim", "GET", e))) == {"id", "patient_id", "state", "opened_at", "next_follow_up"}
    ok(c.call("dr-hale", "POST", f"{e}/suitability"))
    # a photo without photo consent; a file that is not a photo
    refused(c.call("nurse-ade", "POST", f"{e}/photos", data={"view": "frontal"},
                   files={"file": ("a.jpg", jpeg("obama3.jpg"), "image/jpeg")}), 409, "photo_consent")
    ok(c.call("reception-kim", "POST", f"/api/patients/{patient['id']}/photo-consents",
              json={"scopes": ["clinical_record"]}), 201)
    not_image = c.call("nurse-ade", "POST", f"{e}/photos", data={"view": "frontal"},
                       files={"file": ("notes.jpg", b"consultation notes", "image/jpeg")})
    assert not_image.status_code == 422 and not_image.json()["code"] == "not_an_image"
    truncated = c.call("nurse-ade", "POST", f"{e}/photos", data={"view": "frontal"},
                       files={"file": ("t.jpg", jpeg("obama3.jpg")[:15000], "image/jpeg")})
    assert truncated.status_code == 422 and truncated.json()["code"] == "corrupt_image"
    assert ok(c.call("dr-hale", "GET", f"{e}/photos")) == []  # nothing half-stored
    # consent without the performing clinician, then a procedure by someone else
    ok(c.call("dr-hale", "POST", f"{e}/consents", json={"document_version": "2026.1", "typed_name": "Adaeze Okafor",
                                                        "signature_png_base64": signature_png()}), 201)
    ok(c.call("dr-hale", "POST", f"{e}/plan", json={"areas": ["jawline"]}), 201)
    refused(c.call("dr-osei", "POST", f"{e}/procedure"), 409, "SEL-15")
    ok(c.call("dr-hale", "POST", f"{e}/procedure"), 201)
    # no injection before the LAST kit check; then a dose over the UK cap without a reason
    refused(c.call("dr-hale", "POST", f"{e}/procedure/injections",
                   json={"concentration_percent": 1, "volume_ml": 1, "with_adrenaline": False}), 409, "PRO-05")
    ok(c.call("nurse-ade", "POST", f"{e}/procedure/checklist", json={"item": "last_kit_present"}), 201)
    ok(c.call("dr-hale", "POST", f"{e}/procedure/injections",
              json={"concentration_percent": 1, "volume_ml": 15, "with_adrenaline": False}), 201)
    refused(c.call("dr-hale", "POST", f"{e}/procedure/injections",
                   json={"concentration_percent": 1, "volume_ml": 6, "with_adrenaline": False}), 409, "PRO-04")
    # an expired lot is refused at receipt, and when it expired in stock, at placement
    refused(c.call("nurse-ade", "POST", "/api/threads/lots", json={**LOT, "lot": "OLD-1", "expiry": "2026-10-01"}),
            409, "lot_expired")
    old = {"id": str(c.receive_expired_lot(lot_entry(lot="OLD-1", expiry=date(2026, 10, 1),
                                                     received_on=date(2026, 1, 5))).id)}
    refused(c.call("dr-hale", "POST", f"{e}/procedure/threads",
                   json={"lot_id": old["id"], "area": "jawline", "side": "left", "vector": "a -> b",
                         "anchored": False}), 409,
            "lot_expired")
    # the procedure cannot end without the asepsis checklist; discharge not before observation
    refused(c.call("dr-hale", "POST", f"{e}/procedure/end"), 409, "PRO-07")
    for item in ("skin_prepared", "drapes_and_cap", "sterile_threads_checked"):
        ok(c.call("nurse-ade", "POST", f"{e}/procedure/checklist", json={"item": item}), 201)
    ok(c.call("dr-hale", "POST", f"{e}/procedure/end"))
    refused(c.call("dr-hale", "POST", f"{e}/discharge", json={"criteria": {k.value: True for k in Criterion},
                                                            "aftercare_version": "2026.1"}), 409, "DIS-01")
    refused(c.call("dr-hale", "POST", f"{e}/cancel", json={"reason": "changed mind"}), 409, "episode_state")


def test_sessions_end_and_wrong_passwords_are_refused(clinic: Clinic):
    c = clinic
    assert c.client.post("/api/auth/login", json={"username": "dr-hale", "password": "wrong password!"}
                         ).status_code == 401
    assert ok(c.call("dr-hale", "GET", "/api/auth/me"))["role"] == "clinician"
    c.clock.advance(minutes=31)  # automatic logoff after 30 idle minutes
    assert c.call("dr-hale", "GET", "/api/auth/me").status_code == 401
    assert c.client.get("/api/health").status_code == 200
    assert "/api/episodes/{episode_id}/procedure/injections" in c.client.get("/openapi.json").json()["paths"]


def test_the_schema_is_served_but_no_page_that_loads_scripts_from_a_cdn(clinic: Clinic):
    assert clinic.client.get("/openapi.json").status_code == 200
    assert clinic.client.get("/docs").status_code == 404
    assert clinic.client.get("/redoc").status_code == 404
