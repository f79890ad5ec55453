"""Security headers on every answer (issue 13): a CSP with no inline script and no framing, nosniff,
Referrer-Policy, Permissions-Policy, HSTS over HTTPS, and no-store on API answers and pages."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from tests.helpers.records import Clinic
from tests.helpers.web import PageUser
from tests.web.test_pages import registered

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "threadlift" / "web" / "templates"


def assert_secured(response, *, stored: bool = False) -> None:  # type: ignore[no-untyped-def]
    csp = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "geolocation=()" in response.headers["permissions-policy"]
    assert "server" not in response.headers
    if not stored:
        assert response.headers["cache-control"] == "no-store", response.url


def test_every_kind_of_answer_carries_the_headers(clinic: Clinic):
    patient, _ = registered(clinic)
    api = clinic.call("nurse-ade", "GET", f"/api/patients/{patient}")
    assert api.status_code == 200
    assert_secured(api)
    assert_secured(clinic.call("nurse-ade", "GET", "/api/patients/00000000-0000-0000-0000-000000000000"))  # 404
    assert_secured(clinic.client.get("/api/auth/me"))  # 401
    nurse = PageUser(clinic, "nurse-ade")
    assert_secured(nurse.get(f"/patients/{patient}"))
    assert_secured(nurse.get("/login"))
    assert_secured(nurse.get("/static/app.js"), stored=True)
    assert "strict-transport-security" not in api.headers  # plain HTTP: HSTS would be ignored, and is not sent
    secure = TestClient(clinic.client.app, base_url="https://clinic.example")
    assert secure.get("/api/health").headers["strict-transport-security"].startswith("max-age=")


def test_no_template_has_inline_script_or_handlers():
    found = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        found += [f"{template.name}: inline <script>" for _ in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>", text)]
        found += [f"{template.name}: {m.group(0)}" for m in re.finditer(r"\son[a-z]+\s*=", text)]
        found += [f"{template.name}: javascript: URL" for _ in re.finditer(r"javascript:", text)]
    assert not found, found
