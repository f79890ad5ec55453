"""The idempotency middleware never holds more of a request than a route accepts: a body past the largest
upload streams on to the route (which refuses it), and is not treated as an idempotent request."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope, Send

from threadlift.web import idempotency

CHUNK = b"x" * 2**20


def stream(chunks: int) -> Receive:
    sent = 0

    async def receive() -> Message:
        nonlocal sent
        sent += 1
        return {"type": "http.request", "body": CHUNK, "more_body": sent < chunks}

    return receive


def test_a_body_past_the_largest_upload_streams_on_whole_without_being_held() -> None:
    chunks = (idempotency._MOST_BODY_BYTES // len(CHUNK)) + 20
    seen: list[int] = []

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            seen.append(len(message.get("body", b"")))
            if not message.get("more_body"):
                return

    async def send(message: Message) -> None:
        raise AssertionError("the route answers nothing in this test")

    middleware = idempotency.Idempotency(route, services=None)  # type: ignore[arg-type]
    scope = {"type": "http", "method": "POST", "path": "/episodes/x/photos",
             "headers": [(b"cookie", b"threadlift_session=abc"), (b"content-type", b"multipart/form-data")]}
    asyncio.run(middleware(scope, stream(chunks), send))
    assert sum(seen) == chunks * len(CHUNK)  # the route got every byte
    assert seen[0] <= idempotency._MOST_BODY_BYTES + len(CHUNK)  # only the start was read ahead of it
    assert len(seen) == chunks - (seen[0] // len(CHUNK)) + 1


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
    asyncio.run(middleware({"type": "http", "method": "POST", "path": "/api/patients", "headers": []}, receive, send))
    assert reads == 1
