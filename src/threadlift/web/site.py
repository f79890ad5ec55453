"""The clinic's web site: the pages (Jinja2 + htmx) on the same services as the JSON API, and static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from threadlift.web.pages import (
    account,
    admin,
    appointments,
    auth,
    consent,
    consultation,
    corrections,
    discharge,
    episode,
    exports,
    followup,
    home,
    outcomes,
    patients,
    photos,
    plan,
    portal_staff,
    procedure,
    registers,
)
from threadlift.web.portal import routes as portal

STATIC = Path(__file__).resolve().parent / "static"


def install(app: FastAPI) -> None:
    router = APIRouter(include_in_schema=False)
    for module in (auth, home, patients, episode, consultation, photos, plan, consent, procedure, discharge, followup,
                   registers, outcomes, admin, account, exports, portal_staff, corrections,
                   appointments):
        router.include_router(module.router)
    app.include_router(router)
    app.include_router(portal.router_public)  # the patient portal: its own sessions (web/portal/)
    app.include_router(portal.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
