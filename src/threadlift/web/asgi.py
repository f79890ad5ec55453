"""ASGI entry point for ``threadlift serve`` (uvicorn imports it): builds the app from the environment."""

import gc

from threadlift.bootstrap import build
from threadlift.web.app import create_app
from threadlift.web.pages.common import templates

app = create_app(build(analyse_in_worker=True))


def _settle_heap() -> None:
    """Compile every page template now, then move everything made so far out of the garbage collector's
    reach (``gc.freeze``). The libraries, the routes and the templates (a few hundred thousand objects
    that live as long as the server) were otherwise walked by every full collection, which stopped every
    request in flight for 100-400 ms a few times a minute under load (bench/pages.py with uploads)."""
    for name in templates.env.list_templates(extensions=["html"]):
        templates.env.get_template(name)
    gc.collect()
    gc.freeze()


_settle_heap()
