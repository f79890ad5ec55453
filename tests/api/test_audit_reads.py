"""Reads that left no audit row, and refusals (issue 13): photo consents, follow-ups due, episode states
read by reception and admin, the audit trail itself, and every 403 (API and page) are recorded."""

from __future__ import annotations

from tests.helpers.records import Clinic
from tests.helpers.web import PageUser
from tests.web.test_pages import registered


def new_rows(clinic: Clinic, after: int) -> list[dict[str, object]]:
    return [r for r in clinic.call("admin", "GET", f"/api/audit?after_id={after}").json()
            if not (r["action"] == "read" and r["entity_type"] == "audit")]


def last_id(clinic: Clinic) -> int:
    return int(clinic.call("admin", "GET", "/api/audit?limit=1000").json()[-1]["id"])


def test_reads_and_refusals_leave_audit_rows(clinic: Clinic):
    patient, episode = registered(clinic)
    staff = {name: clinic.user(name).id for name in ("admin", "reception-kim", "nurse-ade")}
    start = last_id(clinic)
    trail = clinic.call("admin", "GET", f"/api/audit?after_id={start}").json()
    assert [(r["action"], r["entity_type"], r["user_id"]) for r in trail][-1] == ("read", "audit", staff["admin"])

    start = last_id(clinic)
    assert clinic.call("reception-kim", "GET", f"/api/patients/{patient}/photo-consents").status_code == 200
    assert clinic.call("reception-kim", "GET", "/api/followups/due").status_code == 200
    assert clinic.call("reception-kim", "GET", f"/api/episodes/{episode}").status_code == 200
    assert clinic.call("admin", "GET", f"/api/episodes/{episode}").status_code == 200
    assert clinic.call("admin", "GET", f"/api/patients/{patient}/episodes").status_code == 200
    seen = [(r["user_id"], r["action"], r["entity_type"]) for r in new_rows(clinic, start)]
    assert seen == [(staff["reception-kim"], "read", "photo_consent"),
                    (staff["reception-kim"], "read", "follow_ups_due"),
                    (staff["reception-kim"], "read_status", "episode"),
                    (staff["admin"], "read_status", "episode"),
                    (staff["admin"], "read_status", "episode")]

    start = last_id(clinic)
    assert clinic.call("reception-kim", "GET", f"/api/episodes/{episode}/consultation").status_code == 403
    assert clinic.call("admin", "GET", "/api/adverse-events").status_code == 403
    assert PageUser(clinic, "nurse-ade").post(f"/episodes/{episode}/discharge").status_code == 403
    refused = [(r["user_id"], r["detail"]["route"]) for r in new_rows(clinic, start) if r["action"] == "refused"]
    assert refused == [(staff["reception-kim"], "GET /api/episodes/{episode_id}/consultation"),
                       (staff["admin"], "GET /api/adverse-events"),
                       (staff["nurse-ade"], "POST /episodes/{episode_id}/discharge")]
