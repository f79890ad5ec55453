"""The idempotency middleware never holds more of a request than a route accepts: a body past the largest
upload streams on to the route (which refuses it), and is not treated as an idempotent request."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from threadlift.web import idempotency

CHUNK = b"x" * 2**20


def run_apart(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run on a thread of its own: the browser tests' Playwright keeps an event loop running on the main
    thread for the whole session, where asyncio.run refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, coroutine).result()


class Stream:
    """A request body of ``chunks`` megabytes, counting what has been read from the connection."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.sent = 0

    async def __call__(self) -> Message:
        self.sent += 1
        return {"type": "http.request", "body": CHUNK, "more_body": self.sent < self.chunks}


def test_a_body_past_the_largest_upload_streams_on_whole_without_being_held() -> None:
    chunks = (idempotency._MOST_BODY_BYTES // len(CHUNK)) + 20
    connection = Stream(chunks)
    seen: list[int] = []
    held: list[int] = []  # read from the connection but not yet handed to the route, at each hand-over

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            seen.append(len(message.get("body", b"")))
            held.append(connection.sent * len(CHUNK) - sum(seen))
            if not message.get("more_body"):
                return

    async def send(message: Message) -> None:
        raise AssertionError("the route answers nothing in this test")

    middleware = idempotency.Idempotency(route, services=None)  # type: ignore[arg-type]
    scope = {"type": "http", "method": "POST", "path": "/episodes/x/photos",
             "headers": [(b"cookie", b"threadlift_session=abc"), (b"content-type", b"multipart/form-data")]}
    run_apart(middleware(scope, connection, send))
    assert sum(seen) == chunks * len(CHUNK)  # the route got every byte
    assert max(held) <= idempotency._MOST_BODY_BYTES + len(CHUNK)  # only the start was read ahead of it
    assert held[-1] == 0


def test_a_body_read_ahead_is_handed_on_in_pieces_letting_other_requests_run_between_them() -> None:
    body = bytes(range(256)) * 4096  # 1 MiB
    pieces: list[bytes] = []
    others_ran = 0
    finished = False

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal finished
        while True:
            message = await receive()
            pieces.append(message["body"])
            if not message.get("more_body"):
                finished = True
                return

    async def other_request() -> None:
        nonlocal others_ran
        while not finished:
            others_ran += 1
            await asyncio.sleep(0)

    async def both() -> None:
        async def receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        replay = idempotency._replay_body(body, receive)
        await asyncio.gather(route({}, replay, receive), other_request())  # type: ignore[arg-type]

    run_apart(both())
    assert b"".join(pieces) == body
    assert max(len(p) for p in pieces) <= 2**16
    assert others_ran >= len(pieces) - 1  # the event loop was let go between pieces


def test_an_api_request_without_a_key_is_not_read_ahead() -> None:
    reads = 0

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        assert reads == 0
        await receive()

    async def send(message: Message) -> None:
        raise AssertionError("unexpected")

    middleware = idempotency.Idempotency(route, services=None)  # type: ignore[arg-type]
    run_apart(middleware({"type": "http", "method": "POST", "path": "/api/patients", "headers": []}, receive, send))
    assert reads == 1
