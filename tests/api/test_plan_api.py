"""Plans through the JSON API: a suggestion from the baseline photo, saved only when it validates."""

from __future__ import annotations

import pytest

from tests.api.test_pathway import CONSULTATION, PATIENT, jpeg, ok, refused
from tests.helpers.clinic import signature_png
from tests.helpers.records import Clinic

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
