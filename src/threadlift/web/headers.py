"""Security headers on every answer (issue 13).

- ``Content-Security-Policy``: scripts from this site only (no inline script or handler: the pages'
  scripts are static files), no framing (``frame-ancestors 'none'``, and ``X-Frame-Options`` for old
  browsers), forms post here only, no plugins. Styles allow inline ``style=""`` attributes (layout
  only; htmx adds its indicator style the same way), images ``data:`` and ``blob:`` (the signature
  pad, the photo check's overlay, the camera's preview).
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``, ``Permissions-Policy`` (the
  camera for this site's photo page, nothing else), HSTS when the request came over HTTPS.
- ``Cache-Control: no-store`` on every answer that does not set its own (API answers and pages carry
  patient data); static files keep theirs.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
}
HSTS = "max-age=31536000"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("strict-transport-security", HSTS)
                if not static:
                    headers.setdefault("cache-control", "no-store")
                if "server" in headers:
                    del headers["server"]
            await send(message)

        await self.app(scope, receive, send_with_headers)
