"""Structured logs: one JSON object a line, each request's lines carrying its request id.

What is logged about a request is its method, its route *template* (``/api/patients/{patient_id}``,
never the address itself, nor its query: a search may hold a name), the status and the time taken.
Errors are logged by their type and where they arose, not their message (a message can quote the
input, and the input can be a patient's). Who did what to which record is the audit trail's job.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")  # a proxy's id is kept when it looks like one
log = logging.getLogger("threadlift.requests")


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id", ...extra}`` on one line."""

    RESERVED = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "color_message"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        current = request_id.get()
        if current:
            entry["request_id"] = current
        entry.update({k: v for k, v in record.__dict__.items() if k not in self.RESERVED and not k.startswith("_")})
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_type"] = record.exc_info[0].__name__
            frames = traceback.extract_tb(record.exc_info[2])
            entry["where"] = [f"{f.filename.rsplit('/site-packages/', 1)[-1]}:{f.lineno} {f.name}" for f in frames[-5:]]
        return json.dumps(entry, default=str)


def uvicorn_config(level: str, fmt: str = "json") -> dict[str, Any]:
    """A logging configuration for uvicorn and ThreadLift's own loggers."""
    formatter = {"()": JsonFormatter} if fmt == "json" else {
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    handler = {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}
    loggers = {name: {"handlers": ["main"], "level": level.upper(), "propagate": False}
               for name in ("threadlift", "uvicorn", "uvicorn.error")}
    loggers["uvicorn.access"] = {"handlers": [], "level": "CRITICAL", "propagate": False}  # ours is below
    return {"version": 1, "disable_existing_loggers": False, "formatters": {"main": formatter},
            "handlers": {"main": handler}, "loggers": loggers}


class RequestLog:
    """ASGI middleware: a request id for every request (kept from ``X-Request-ID`` when a proxy set a
    sane one), returned in ``X-Request-ID`` and on every log line; one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = sent if _ACCEPTED_ID.match(sent) else secrets.token_hex(8)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.error("request failed", exc_info=True, extra=_request_facts(scope, 500, started))
            raise
        else:
            log.info("request", extra=_request_facts(scope, status, started))
        finally:
            request_id.reset(token)


def _request_facts(scope: Scope, status: int, started: float) -> dict[str, Any]:
    route = scope.get("route")
    return {"method": scope.get("method"), "route": getattr(route, "path", None) or "(no route)",
            "status": status, "duration_ms": round(1000 * (time.perf_counter() - started), 1)}
