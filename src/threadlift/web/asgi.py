"""ASGI entry point for ``threadlift serve`` (uvicorn imports it): builds the app from the environment."""

import asyncio
import gc
import threading

from starlette.types import Message

from threadlift.bootstrap import build
from threadlift.web.app import create_app
from threadlift.web.pages.common import templates

app = create_app(build(analyse_in_worker=True))


def _settle_heap() -> None:
    """Compile every page template and route one request, then move everything made so far out of the
    garbage collector's reach (``gc.freeze``). The libraries, the routes and the templates (a few hundred
    thousand objects that live as long as the server) were otherwise walked by every full collection, which
    stopped every request in flight for 100-400 ms a few times a minute under load (bench/pages.py with
    uploads). FastAPI builds its table of routes (some 23,000 objects) on the first request: made after the
    freeze, it cost each full collection 15-25 ms."""
    for name in templates.env.list_templates(extensions=["html"]):
        templates.env.get_template(name)
    # uvicorn imports this module inside its running event loop: the request goes through a loop of its own
    routed = threading.Thread(target=asyncio.run, args=(_health_check(),), name="route-table")
    routed.start()
    routed.join()
    gc.collect()
    gc.freeze()


async def _health_check() -> None:
    """``GET /api/health`` through the app (no sign-in, no patient data), its answer dropped."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/api/health", "raw_path": b"/api/health", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"localhost")], "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 0)}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        pass

    await app(scope, receive, send)


_settle_heap()
