"""Cross-site requests (issue 13): the JSON API does not take the pages' session cookie from another site,
and the pages' CSRF token is an HMAC under a key derived from the clinic's photo key, not a constant."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from tests.helpers.records import Clinic
from tests.helpers.web import PageUser, page_csrf
from tests.web.test_pages import registered
from threadlift.bootstrap import services_on
from threadlift.config import Settings
from threadlift.store.vault import PhotoVault
from threadlift.web.pages.common import csrf_for

ELSEWHERE = {"Origin": "https://attacker.example", "Content-Type": "text/plain"}


def test_the_api_refuses_the_cookie_from_another_site(clinic: Clinic):
    patient, _ = registered(clinic)
    nurse = PageUser(clinic, "nurse-ade")
    episodes = f"/api/patients/{patient}/episodes"
    forged = nurse.client.post(episodes, content="{}", headers=ELSEWHERE)  # a form on another site, text/plain
    assert forged.status_code == 403 and "X-CSRF-Token" in forged.json()["detail"]
    assert nurse.client.post(episodes).status_code == 403  # same site, but without the session's token
    token = page_csrf(nurse.get("/").text)
    cross_site = nurse.client.post(episodes, headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403
    assert nurse.client.post(episodes, headers={"X-CSRF-Token": "0" * 64}).status_code == 403
    assert nurse.client.post(episodes, headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "same-origin"}
                             ).status_code == 201
    assert nurse.client.get(episodes).status_code == 200  # reads need no token
    assert clinic.call("nurse-ade", "POST", episodes).status_code == 201  # a program with its bearer token
    assert len(clinic.call("nurse-ade", "GET", episodes).json()) == 3  # the forged ones made nothing


def test_the_page_token_is_signed_with_a_key_derived_from_the_photo_key(tmp_path):
    key = secrets.token_bytes(32)
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    first, restarted = (services_on(settings, PhotoVault(tmp_path / "photos", key)) for _ in range(2))
    other_clinic = services_on(settings, PhotoVault(tmp_path / "photos", secrets.token_bytes(32)))
    session = secrets.token_urlsafe(32)
    assert csrf_for(first, session) == csrf_for(restarted, session)  # every process and restart agree
    assert csrf_for(other_clinic, session) != csrf_for(first, session)
    constant = hmac.new(b"threadlift-csrf-v1", session.encode(), hashlib.sha256).hexdigest()  # the old scheme
    assert csrf_for(first, session) != constant
    assert key not in first.csrf_keys  # derived, not the photo key itself
    for services in (first, restarted, other_clinic):
        services.uow_factory.close()  # type: ignore[attr-defined]
