"""Plans through the JSON API: a suggestion from the baseline photo, saved only when it validates."""

from __future__ import annotations

import pytest

from tests.api.test_pathway import CONSULTATION, PATIENT, jpeg, ok, refused
from tests.helpers.clinic import signature_png
from tests.helpers.records import Clinic
from threadlift.plan.model import Plan
from threadlift.plan.zones import zones

pytestmark = pytest.mark.mediapipe


def test_a_plan_is_suggested_edited_and_saved_through_the_api(clinic: Clinic):
    c = clinic
    patient = ok(c.call("reception-kim", "POST", "/api/patients", json=PATIENT), 201)
    episode = ok(c.call("reception-kim", "POST", f"/api/patients/{patient['id']}/episodes"), 201)
    e = f"/api/episodes/{episode['id']}"
    ok(c.call("reception-kim", "POST", f"/api/patients/{patient['id']}/photo-consents",
              json={"scopes": ["clinical_record"]}), 201)
    ok(c.call("dr-hale", "PUT", f"{e}/consultation", json=CONSULTATION))
    ok(c.call("dr-hale", "POST", f"{e}/suitability"))
    refused(c.call("dr-hale", "GET", f"{e}/plan"), 404, "planning_photo")
    ok(c.call("dr-hale", "POST", f"{e}/photos", files={"file": ("f.jpg", jpeg("obama3.jpg"), "image/jpeg")},
              data={"view": "frontal"}), 201)
    suggestion = ok(c.call("dr-hale", "GET", f"{e}/plan"))
    assert suggestion["saved"] is False
    document = suggestion["marking_map"]
    assert {t["area"] for t in document["threads"]} == {"jawline", "midface"}
    refused(c.call("reception-kim", "GET", f"{e}/plan"), 403)

    refused(c.call("dr-hale", "POST", f"{e}/plan", json={"marking_map": document}), 409, "episode_state")
    ok(c.call("dr-hale", "POST", f"{e}/consents", json={"document_version": "2026.1", "typed_name": "Adaeze Okafor",
                                                        "signature_png_base64": signature_png()}), 201)
    bad = {**document, "threads": [{**document["threads"][0], "design": "golden"}, *document["threads"][1:]]}
    body = refused(c.call("dr-hale", "POST", f"{e}/plan", json={"marking_map": bad}), 409, "plan")
    assert "unknown design 'golden'" in body["detail"]
    saved = ok(c.call("dr-hale", "POST", f"{e}/plan", json={"marking_map": document, "note": "as suggested"}), 201)
    assert sorted(saved["areas"]) == ["jawline", "midface"] and saved["marking_map"]["threads"]
    assert ok(c.call("dr-hale", "GET", e))["state"] == "planned"
    assert ok(c.call("dr-hale", "GET", f"{e}/plan"))["saved"] is True


def test_a_plan_is_edited_through_the_api_with_the_page_s_checks(clinic: Clinic):
    c = clinic
    patient = ok(c.call("reception-kim", "POST", "/api/patients", json=PATIENT), 201)
    episode = ok(c.call("reception-kim", "POST", f"/api/patients/{patient['id']}/episodes"), 201)
    e = f"/api/episodes/{episode['id']}"
    ok(c.call("reception-kim", "POST", f"/api/patients/{patient['id']}/photo-consents",
              json={"scopes": ["clinical_record"]}), 201)
    decided = ok(c.call("dr-hale", "PUT", f"{e}/consultation", params={"decide": True}, json=CONSULTATION))
    assert decided["suitability"]["decision"] == "suitable"  # saved and decided in one request
    ok(c.call("dr-hale", "POST", f"{e}/photos", files={"file": ("f.jpg", jpeg("obama3.jpg"), "image/jpeg")},
              data={"view": "frontal"}), 201)
    ok(c.call("dr-hale", "POST", f"{e}/consents", json={"document_version": "2026.1", "typed_name": "Adaeze Okafor",
                                                        "signature_png_base64": signature_png()}), 201)
    plan = ok(c.call("dr-hale", "GET", f"{e}/plan"))["marking_map"]
    first = plan["threads"][0]
    notch = next(z for z in zones(Plan.model_validate(plan).anatomy_mm)
                 if z.name == "facial_artery_notch" and z.side == first["side"]).path_mm[0]
    moved = ok(c.call("dr-hale", "POST", f"{e}/plan/edits", json={"edits": [
        {"op": "move", "thread": first["id"], "point": "entry", "x_mm": notch[0], "y_mm": notch[1]},
        {"op": "set", "thread": first["id"], "design": "mono", "gauge": "19G"},
        {"op": "add", "area": "brow", "side": "left"}]}))
    assert moved["valid"] and not moved["saved"]
    assert any((f["thread_id"], f["zone"], f["kind"], f["level"], f["point"]) ==
               (first["id"], "facial_artery_notch", "inside", "warning", "entry") for f in moved["danger_flags"])
    edited = moved["marking_map"]["threads"]
    assert edited[0]["design"] == "mono" and any(t["id"] == "L-brow-1" for t in edited)
    refused = ok(c.call("dr-hale", "POST", f"{e}/plan/edits", json={
        "plan": moved["marking_map"], "save": True,
        "edits": [{"op": "set", "thread": first["id"], "material": "gold"}]}))
    assert not refused["saved"] and any("unknown material 'gold'" in p for p in refused["problems"])
    assert ok(c.call("dr-hale", "GET", f"{e}/plan"))["saved"] is False
    unknown = ok(c.call("dr-hale", "POST", f"{e}/plan/edits", json={"edits": [{"op": "remove", "thread": "T99"}]}))
    assert "the plan has no thread T99" in unknown["problems"][0]
    # A plan with a danger-zone warning is saved only once the clinician acknowledges it (PRO-03, issue 14).
    unacknowledged = ok(c.call("dr-hale", "POST", f"{e}/plan/edits", json={
        "plan": moved["marking_map"], "save": True, "note": "brow added"}))
    assert not unacknowledged["saved"] and "acknowledge them to save" in unacknowledged["problems"][0]
    saved = ok(c.call("dr-hale", "POST", f"{e}/plan/edits", json={
        "plan": moved["marking_map"], "save": True, "note": "brow added", "acknowledge_zone_flags": True}))
    assert saved["saved"] and ok(c.call("dr-hale", "GET", e))["state"] == "planned"
    assert c.call("dr-hale", "POST", f"{e}/plan/edits", json={"edits": [{"op": "teleport"}]}).status_code == 422
