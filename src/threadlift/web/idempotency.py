"""ASGI middleware: a create sent twice records once (issue 14).

* The JSON API: a ``POST`` with an ``Idempotency-Key`` header answers a retry with the same key (and
  the same body) with the first request's answer, headers and status included.
* The pages: every form carries a one-time token (``form_token``, added by app.js when the page is
  shown); a second submission of the same form (a double tap, a reload of the POST) gets the first
  one's answer, usually the redirect to what was recorded.

Only successful answers are kept (a refusal is forgotten, so the corrected request can go), never one
that sets a cookie (signing in), and only for a day. htmx's live checks are not creates and are left
alone. The rule itself lives in :mod:`threadlift.services.idempotency`.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from threadlift.services import idempotency
from threadlift.services.base import Services
from threadlift.services.photos import MAX_UPLOAD_BYTES
from threadlift.web.pages.common import COOKIE

FORM_FIELD = "form_token"
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
# A body larger than any request the routes accept is not held in memory: it streams on to the route,
# which refuses it, and is not an idempotent request.
_MOST_BODY_BYTES = MAX_UPLOAD_BYTES + 2**20
_MULTIPART_FIELD = re.compile(rb'name="' + FORM_FIELD.encode() + rb'"\r\n\r\n([A-Za-z0-9_.:-]{8,128})\r\n')
_REPLAY_PIECE_BYTES = 2**16
_NEVER = ("/login", "/logout", "/api/auth/", "/portal/")


class Idempotency:
    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].startswith(_NEVER):
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        if scope["path"].startswith("/api/") and "idempotency-key" not in headers:
            await self.app(scope, receive, send)
            return
        body, whole = await _body(receive)
        key, session = _key_of(scope["path"], headers, body) if whole else (None, None)
        if key is None or session is None:
            await self.app(scope, _replay_body(body, receive, more=not whole), send)
            return
        if not _KEY.match(key):
            await JSONResponse({"detail": "an Idempotency-Key is 8 to 128 letters, digits or . _ : -"},
                               status_code=422)(scope, receive, send)
            return
        scoped = idempotency.scoped_key(session, key)
        # A photo form's body is megabytes: hashed on the pool (hashlib lets go of the interpreter lock),
        # not on the event loop, where it held up every other request for tens of milliseconds.
        print_ = await run_in_threadpool(idempotency.fingerprint, "POST", scope["path"], body)
        try:
            earlier = await run_in_threadpool(idempotency.begin, self.services, scoped, print_)
        except (idempotency.KeyReused, idempotency.StillRunning) as error:
            status = 422 if isinstance(error, idempotency.KeyReused) else 409
            await JSONResponse({"detail": error.message, "rule": error.rule}, status_code=status)(scope, receive, send)
            return
        if earlier is not None:
            await send({"type": "http.response.start", "status": earlier.status_code,
                        "headers": [(n.encode("latin-1"), v.encode("latin-1")) for n, v in earlier.headers]
                        + [(b"idempotent-replayed", b"true")]})
            await send({"type": "http.response.body", "body": earlier.body})
            return
        await self._first(scope, body, receive, send, scoped)

    async def _first(self, scope: Scope, body: bytes, receive: Receive, send: Send, scoped: str) -> None:
        status, kept_headers, chunks, keep = 500, [], [], True

        async def recording(message: Message) -> None:
            nonlocal status, kept_headers, keep
            if message["type"] == "http.response.start":
                status = message["status"]
                kept_headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in message.get("headers", [])
                                if n.lower() not in (b"x-request-id", b"content-length")]
                keep = not any(n.lower() == "set-cookie" for n, _ in kept_headers)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        answer = idempotency.Answer(500, [], b"")
        try:
            await self.app(scope, _replay_body(body, receive), recording)
            answer = idempotency.Answer(status if keep else 500, kept_headers, b"".join(chunks))
        finally:
            await run_in_threadpool(idempotency.finish, self.services, scoped, answer)


def _key_of(path: str, headers: dict[str, str], body: bytes) -> tuple[str | None, str | None]:
    """The request's idempotency key and the session it belongs to (None: not an idempotent request)."""
    if path.startswith("/api/"):
        return headers.get("idempotency-key"), headers.get("authorization")
    if headers.get("hx-request"):
        return None, None
    session = next((part.strip() for part in headers.get("cookie", "").split(";")
                    if part.strip().startswith(f"{COOKIE}=")), None)
    kind = headers.get("content-type", "")
    if kind.startswith("application/x-www-form-urlencoded"):
        found = parse_qs(body.decode("latin-1")).get(FORM_FIELD)
        return (found[0] if found else None), session
    if kind.startswith("multipart/form-data"):
        match = _MULTIPART_FIELD.search(body[:4096])
        return (match.group(1).decode() if match else None), session
    return None, None


async def _body(receive: Receive) -> tuple[bytes, bool]:
    """The request's body, and whether it is whole (reading stops past ``_MOST_BODY_BYTES``)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body"):
            return b"".join(chunks), True
        if size > _MOST_BODY_BYTES:
            return b"".join(chunks), False


def _replay_body(body: bytes, receive: Receive, more: bool = False) -> Receive:
    """The body read already (``more``: only its start), then the connection's own messages.

    Handed on in pieces the size the server itself reads, with the event loop let go between them: the
    route's form parser works through what it is given without pausing, and a 12-megapixel photo given
    whole held up every other request for over 100 ms."""
    offset = 0
    done = False

    async def replay() -> Message:
        nonlocal offset, done
        if done:
            return await receive()
        if offset:
            await asyncio.sleep(0)
        piece = body[offset:offset + _REPLAY_PIECE_BYTES]
        offset += len(piece)
        done = offset >= len(body)
        return {"type": "http.request", "body": piece, "more_body": more or not done}

    return replay
