"""Signed-in page sessions for the web pages (one TestClient, one cookie jar, per member of staff)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.helpers.records import PASSWORD, Clinic
from threadlift.web.pages.common import COOKIE, csrf_for


class PageUser:
    def __init__(self, clinic: Clinic, username: str) -> None:
        self.services = clinic.services
        self.client = TestClient(clinic.client.app, follow_redirects=False)
        response = self.client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 303, response.text
        self.token = response.cookies.get(COOKIE) or self.client.cookies.get(COOKIE)
        assert self.token

    @property
    def csrf(self) -> str:
        return csrf_for(self.services, self.token)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Response:
        return self.client.post(path, data={"csrf": self.csrf, **(data or {})}, **kwargs)

    def htmx(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Response:
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.client.post(path, data=data or {}, headers=headers, **kwargs)


def error_for(html: str, field_id: str) -> str | None:
    """The error message shown next to the field with ``id="f-<field_id>"``, if any."""
    if not re.search(rf'id="f-{re.escape(field_id)}"[^>]*aria-invalid="true"', html, re.S):
        return None
    found = re.search(rf'<p class="error" id="f-{re.escape(field_id)}-error"[^>]*>(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else ""


def page_csrf(html: str) -> str:
    """The session's CSRF token as a page carries it (for a client of a server in another process)."""
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def location(response: Response) -> str:
    return response.headers.get("location") or response.headers.get("hx-redirect") or ""
