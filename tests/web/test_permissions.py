"""The role x route matrix (issue 13): every API operation and every page, called by every role and by
nobody, answers as the permission table says: refused (403) without the route's permission, let through
(neither 401 nor 403) with it, sign-in first without a session. A route missing from web/access.py fails
here (and the app refuses to start); docs/permissions.md is the tables' generated text."""

from __future__ import annotations

import re
from pathlib import Path
from uuid import uuid4

from fastapi.testclient import TestClient

from tests.helpers.photos import jpeg_bytes, read_rgb
from tests.helpers.records import STAFF, Clinic
from tests.web.test_pages import registered
from threadlift.clinic.roles import Role, allowed
from threadlift.web.access import ROUTES, Open, app_routes, declared_keys, markdown
from threadlift.web.pages.common import COOKIE, csrf_for

DOCS = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
ROLE_OF = {role: next(name for name, r in STAFF.items() if r is role) for role in Role}


def test_docs_permissions_is_the_tables_generated_text():
    assert DOCS.read_text() == markdown(), "run: python -m threadlift.web.access > docs/permissions.md"


def fresh_session(clinic: Clinic, username: str) -> str:
    """A new session of ``username`` (sign-out routes end one), without a password hash's cost."""
    with clinic.services.uow() as uow:
        token, _ = uow.users.start_session(clinic.user(username), clinic.clock(), 12)
        uow.commit()
    return token


def filled(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)


def test_every_route_answers_every_role_as_the_table_says(clinic: Clinic):
    patient, episode = registered(clinic)
    face = jpeg_bytes(read_rgb("obama3.jpg"))
    before, after = (clinic.call("nurse-ade", "POST", f"/api/episodes/{episode}/photos", data={
        "view": "frontal", "stage": stage}, files={"file": ("face.jpg", face, "image/jpeg")}).json()["id"]
        for stage in ("baseline", "follow_up"))
    consent = clinic.call("reception-kim", "GET", f"/api/patients/{patient}/photo-consents").json()[0]["id"]
    ids = {"patient_id": str(patient), "episode_id": str(episode), "photo_id": str(before), "before_id": str(before),
           "after_id": str(after), "consent_id": consent, "user_id": clinic.user("admin").id,  # own: not deactivated
           "lot_number": "PDO-2026-A1", "index": "0", "kind": "aftercare", "version": "v1", "picture": "after",
           "action": "withdraw", "which": "gais", "fmt": "png",
           **{name: str(uuid4()) for name in ("pending_id", "draft_id", "message_id", "check_in_id", "token",
                                              "appointment_id")}}
    browser = TestClient(clinic.client.app, follow_redirects=False)  # no cookie jar: each request says who
    routes = sorted({key for key, _ in app_routes(browser.app)})  # type: ignore[arg-type]
    assert routes == sorted(ROUTES), "every route has one entry in web/access.py ROUTES, and only routes do"
    assert sorted(set(declared_keys(browser.app.routes))) == routes  # type: ignore[attr-defined]  # create_app's check
    wrong, calls = [], 0
    for key in routes:
        method, path = key.split(" ", 1)
        address, need, api = filled(path, ids), ROUTES[key], path.startswith("/api/")
        if need is Open.PORTAL:
            continue  # patients' pages, on their own sessions: tests/portal
        if need is not Open.PUBLIC:
            anonymous = browser.request(method, address).status_code
            calls += 1
            if anonymous != (401 if api else 303):
                wrong.append(f"{key} signed out: {anonymous}")
        for role in Role:
            username = ROLE_OF[role]
            token = fresh_session(clinic, username) if "logout" in key else clinic.tokens[username]
            if api:
                answer = browser.request(method, address, headers={"Authorization": f"Bearer {token}"})
            else:
                form = {"csrf": csrf_for(clinic.services, token)} if method == "POST" else None
                answer = browser.request(method, address, data=form, headers={"Cookie": f"{COOKIE}={token}"})
            calls += 1
            admitted = isinstance(need, Open) or allowed(role, need)
            signed_out = answer.headers.get("location") == "/login" and "logout" not in key
            refused = answer.status_code in (401, 403) or signed_out
            if admitted == refused and not (need is Open.PUBLIC and answer.status_code == 401):  # a wrong password
                wrong.append(f"{key} {role.value}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)
    print(f"role x route matrix: {len(routes)} routes x ({len(Role)} roles + signed out): {calls} requests")
