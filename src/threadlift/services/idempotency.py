"""Idempotent creates: a request sent again with the same key (the API's Idempotency-Key header, a page
form's one-time token) gets the first request's answer, and nothing is recorded twice.

The key is the caller's: it is stored hashed with the caller's session, so two members of staff never
share one. A second request arriving while the first is still running waits for its answer; one with
the same key but another body is refused (the key was reused by mistake).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from threadlift.clinic.errors import DomainError
from threadlift.services.base import Services

WAIT_FOR_FIRST_S = 15.0
POLL_S = 0.1


class KeyReused(DomainError):
    rule = "idempotency_key_reused"


class StillRunning(DomainError):
    rule = "idempotency_in_progress"


@dataclass(frozen=True)
class Answer:
    status_code: int
    headers: list[tuple[str, str]]
    body: bytes


def scoped_key(session: str, key: str) -> str:
    return hashlib.sha256(f"{session}\n{key}".encode()).hexdigest()


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)  # not concatenated: a photo form's body is not copied to be hashed
    return digest.hexdigest()


def begin(svc: Services, key: str, print_: str) -> Answer | None:
    """None: this request is the first with ``key`` and goes ahead. Otherwise the first one's answer
    (waited for while it runs)."""
    deadline = time.monotonic() + WAIT_FOR_FIRST_S
    while True:
        with svc.uow() as uow:
            earlier = uow.idempotency.claim(key, print_, svc.clock())
            uow.commit()
        if earlier is None:
            return None
        if earlier.fingerprint != print_:
            raise KeyReused("this idempotency key was already used for another request; send a new key for a new "
                            "request")
        if earlier.done and earlier.status_code is not None:
            return Answer(earlier.status_code, earlier.headers, earlier.body)
        if time.monotonic() > deadline:
            raise StillRunning("the first request with this idempotency key is still being processed; try again "
                               "in a moment")
        time.sleep(POLL_S)


def finish(svc: Services, key: str, answer: Answer) -> None:
    """Keep a successful answer for retries; forget a refused one, so the request can be corrected and sent."""
    with svc.uow() as uow:
        if answer.status_code < 400:
            uow.idempotency.complete(key, answer.status_code, answer.headers, answer.body)
        else:
            uow.idempotency.release(key)
        uow.commit()
