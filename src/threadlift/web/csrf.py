"""Cross-site request forgery: a cookie-signed-in browser's unsafe requests must come from our own pages.

Such a request carries the session's CSRF token (a form field, or the ``X-CSRF-Token`` header that htmx
sends from ``<body hx-headers>``), an HMAC of the session token under the server's CSRF key, and its
Origin and Sec-Fetch-Site, when the browser sends them, must say this site. Requests signed in with
``Authorization: Bearer`` need neither: a browser never adds that header by itself.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request

from threadlift.services.base import Services

SESSION_COOKIE = "threadlift_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def csrf_for(services: Services, session_token: str) -> str:
    """The session's CSRF token: an HMAC of the session token under the server's CSRF key (derived from
    the clinic's photo key, so every server process agrees and nobody can compute it without the key)."""
    return hmac.new(services.csrf_keys[0], session_token.encode(), hashlib.sha256).hexdigest()


def csrf_valid(services: Services, session_token: str, sent: str | None) -> bool:
    """``sent`` is the session's token under any of the server's CSRF keys (the previous one after a rotation)."""
    if not sent:
        return False
    return any(hmac.compare_digest(sent, hmac.new(key, session_token.encode(), hashlib.sha256).hexdigest())
               for key in services.csrf_keys)


def same_origin(request: Request) -> bool:
    """The browser did not say the request came from another site: Origin, when sent, is this site, and
    Sec-Fetch-Site, when sent, is same-origin (or none: typed in the address bar)."""
    origin = request.headers.get("origin")
    if origin and origin.rstrip("/") != str(request.base_url).rstrip("/"):
        return False
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
