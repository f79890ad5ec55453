"""ASGI entry point for ``threadlift serve`` (uvicorn imports it): builds the app from the environment."""

from threadlift.bootstrap import build
from threadlift.web.app import create_app

app = create_app(build(analyse_in_worker=True))
