"""Signing in to the portal: one-time links (single use, 15 minutes, bound to the patient), the session
cookie (HttpOnly, SameSite, CSRF, idle expiry), new links on request (rate-limited, one answer whatever
the address), and no crossing of staff and portal sessions on any route."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.helpers.portal import PortalUser, last_link, registered, treated
from tests.helpers.web import PageUser
from threadlift.services import portal
from threadlift.web.portal.common import COOKIE


def test_a_link_signs_the_patient_in_once_and_the_cookie_is_the_portal_s_own(clinic):
    someone = registered(clinic)
    portal.invite(clinic.services, clinic.user("reception-kim"), someone.id)
    token = last_link(clinic, someone)
    browser = TestClient(clinic.client.app, follow_redirects=False)
    shown = browser.get(f"/portal/sign-in/{token}")  # opening the link (a mail scanner) uses nothing
    assert shown.status_code == 200 and shown.headers["referrer-policy"] == "same-origin"
    signed = browser.post(f"/portal/sign-in/{token}")
    assert signed.status_code == 303 and signed.headers["location"] == "/portal"
    cookie = signed.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/portal" in cookie
    home = browser.get("/portal")
    assert home.status_code == 200 and "Hello Adaeze" in home.text
    again = TestClient(clinic.client.app, follow_redirects=False).post(f"/portal/sign-in/{token}")
    assert again.status_code == 410 and "used already" in again.text and 'action="/portal/link"' in again.text


def test_an_expired_link_says_so_and_offers_a_new_one(clinic):
    someone = registered(clinic)
    portal.invite(clinic.services, clinic.user("reception-kim"), someone.id)
    token = last_link(clinic, someone)
    clinic.clock.advance(minutes=15)
    refused = clinic.client.post(f"/portal/sign-in/{token}", follow_redirects=False)
    assert refused.status_code == 410 and "has expired" in refused.text
    assert clinic.client.post("/portal/sign-in/not-a-token", follow_redirects=False).status_code == 410


def test_a_new_link_is_the_same_answer_for_any_address_and_is_rate_limited(clinic):
    someone = registered(clinic)
    known = clinic.client.post("/portal/link", data={"email": "ADAEZE@example.org"})
    unknown = clinic.client.post("/portal/link", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200 and known.text == unknown.text
    with clinic.services.uow(read_only=True) as uow:
        assert len(uow.outbox.of_patient(str(someone.id), 10)) == 1
    for _ in range(3):
        assert clinic.client.post("/portal/link", data={"email": "adaeze@example.org"}).text == known.text
    with clinic.services.uow(read_only=True) as uow:
        assert len(uow.outbox.of_patient(str(someone.id), 10)) == 3  # the 4th and 5th were not sent
    clinic.clock.advance(minutes=16)
    clinic.client.post("/portal/link", data={"email": "adaeze@example.org"})
    with clinic.services.uow(read_only=True) as uow:
        assert len(uow.outbox.of_patient(str(someone.id), 10)) == 4
    bad = clinic.client.post("/portal/link", data={"email": "not an address"})
    assert bad.status_code == 422 and "e-mail address" in bad.text


def test_the_session_ends_when_idle_and_forms_need_their_csrf_token(clinic):
    someone = registered(clinic)
    user = PortalUser(clinic, someone)
    refused = user.client.post(f"/portal/photo-consents/{uuid.uuid4()}/withdraw", data={"reason": "x"})
    assert refused.status_code == 403 and "security token" in refused.text  # no CSRF token: refused first
    clinic.clock.advance(minutes=clinic.services.settings.session_idle_minutes + 1)
    assert user.get("/portal/information").headers["location"] == "/portal"
    assert "Sign in to your patient portal" in user.get("/portal").text


def test_every_portal_read_and_write_is_in_the_audit_trail(clinic):
    someone = registered(clinic)
    user = PortalUser(clinic, someone)
    assert user.get("/portal/information").status_code == 200
    with clinic.services.uow(read_only=True) as uow:
        entries = [e for e in uow.audit.recent(10) if e.detail.get("by") == "patient"]
    assert {(e.action, e.detail.get("document")) for e in entries} >= {("portal_sign_in", None),
                                                                      ("portal_read", "procedure_information")}
    assert all(e.detail["patient"] == str(someone.id) and e.user_id is None for e in entries)


def app_routes(routes: list[Any]) -> Iterator[tuple[str, str]]:
    """Every (method, path) the app answers: FastAPI keeps included routers as wrappers, walked here."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield from ((method, route.path) for method in route.methods)
        elif hasattr(route, "effective_candidates"):
            for found in route.effective_candidates():
                if hasattr(found, "effective_candidates"):
                    yield from app_routes([found])
                elif isinstance(found.original_route, APIRoute):
                    yield from ((method, found.path) for method in found.original_route.methods)


def _path(path: str, episode: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "x" if m.group(0) in ("{token}", "{kind}", "{name}") else episode, path)


PUBLIC_PORTAL = {("GET", "/portal"), ("POST", "/portal/link"), ("GET", "/portal/sign-in/{token}"),
                 ("POST", "/portal/sign-in/{token}")}
PUBLIC_STAFF = {("GET", "/login"), ("POST", "/login"), ("POST", "/api/auth/login"), ("GET", "/api/health")}


def test_staff_and_portal_sessions_never_cross_on_any_route(clinic):
    someone = registered(clinic)
    patient_user = PortalUser(clinic, someone)
    staff = PageUser(clinic, "dr-hale")
    any_id = str(uuid.uuid4())
    routes = sorted(set(app_routes(clinic.client.app.routes)))
    portal_routes = [(method, path) for method, path in routes if path.startswith("/portal")]
    assert len(portal_routes) >= 12
    for method, path in portal_routes:  # with a staff session, as cookie and as bearer token
        response = staff.client.request(method, _path(path, any_id), data={"csrf": staff.csrf},
                                        headers={"Authorization": f"Bearer {staff.token}"})
        if (method, path) in PUBLIC_PORTAL:
            assert "Hello" not in response.text, path
            continue
        assert response.status_code == 303 and response.headers["location"] == "/portal", (method, path)
    token = patient_user.token
    outsider = TestClient(clinic.client.app, follow_redirects=False)
    outsider.cookies.set(COOKIE, token)
    outsider.cookies.set("threadlift_session", token)  # the portal token where a staff token would be
    staff_routes = [(method, path) for method, path in routes if not path.startswith("/portal")]
    assert len(staff_routes) >= 80
    for method, path in staff_routes:
        if (method, path) in PUBLIC_STAFF:
            continue
        response = outsider.request(method, _path(path, any_id), headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401 or (
            response.status_code == 303 and response.headers["location"] == "/login"), (
            method, path, response.status_code)


def test_every_portal_route_shows_only_the_patient_s_own_record_and_audits_each_read(clinic):
    """Walked from the app's routes: each page of a patient's record, opened by another signed-in patient
    with the first one's real ids, is 'not found' and changes nothing; opened by its own patient, each read
    leaves an audit row naming them."""
    from tests.helpers.clinic import CLINICAL_PHOTOS
    from tests.portal.conftest import CALM
    from tests.portal.test_portal_before import ANSWERS
    from threadlift.services import checkins, consents
    from threadlift.services.commands import GivePhotoConsent

    someone, episode = treated(clinic)
    given = consents.give_photo_consent(clinic.services, clinic.user("nurse-ade"),
                                        GivePhotoConsent(patient_id=someone.id, grant=CLINICAL_PHOTOS))
    clinic.clock.now = episode.procedure.ended_at + timedelta(hours=49)
    assert checkins.schedule_check_ins(clinic.services) == 2
    with clinic.services.uow(read_only=True) as uow:
        first = uow.portal.check_ins(str(episode.id))[0]
    ids = {"{episode_id}": str(episode.id), "{check_in_id}": first.id, "{consent_id}": str(given.id)}
    routes = sorted((method, path) for method, path in set(app_routes(clinic.client.app.routes))
                    if path.startswith("/portal") and (method, path) not in PUBLIC_PORTAL)
    own_routes = [(method, path) for method, path in routes if any(name in path for name in ids)]
    assert {path for _, path in own_routes} >= {"/portal/episodes/{episode_id}/consent.pdf",
                                                 "/portal/check-ins/{check_in_id}",
                                                 "/portal/photo-consents/{consent_id}/withdraw"}
    owner = PortalUser(clinic, someone)
    stranger = PortalUser(clinic, registered(clinic, email="other@example.org", family_name="Other"))

    def filled(path: str) -> str:
        return re.sub(r"\{[^}]+\}", lambda m: ids[m.group(0)], path)

    with clinic.services.uow(read_only=True) as uow:
        before = uow.audit.recent(1)[0].id
    for method, path in own_routes:
        answer = (stranger.get(filled(path)) if method == "GET" else
                  stranger.post(filled(path), {**ANSWERS, **CALM, "fever": "yes", "reason": "mine",
                                               "version": episode.discharge.aftercare_version}))
        assert answer.status_code == 404 and someone.family_name not in answer.text, (method, path)
    with clinic.services.uow(read_only=True) as uow:
        assert not any(e.detail.get("patient") == str(someone.id) for e in uow.audit.recent(200) if e.id > before)
        assert uow.portal.check_in(first.id).answered_at is None and uow.portal.readings(str(someone.id)) == []
        assert uow.consents.photo_consents(someone.id)[0].withdrawn_at is None
    for method, path in routes:
        if method != "GET":
            continue
        with clinic.services.uow(read_only=True) as uow:
            latest = uow.audit.recent(1)[0].id
        assert owner.get(filled(path)).status_code == 200, path
        with clinic.services.uow(read_only=True) as uow:
            new = [e for e in uow.audit.recent(20) if e.id > latest]
        assert any(e.detail.get("by") == "patient" and e.detail.get("patient") == str(someone.id) for e in new), path
