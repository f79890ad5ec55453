"""The FastAPI application: ``create_app(services)``, no globals; OpenAPI at /openapi.json."""

from __future__ import annotations

from fastapi import FastAPI

from threadlift import __version__
from threadlift.services.base import Services
from threadlift.web import errors, site
from threadlift.web.routes import admin, auth, episodes, patients


def create_app(services: Services) -> FastAPI:
    # FastAPI's /docs and /redoc pages load their scripts from a public CDN: a clinic's browser would
    # call out to a third party, and offline they do not work. The schema stays at /openapi.json.
    app = FastAPI(title="ThreadLift", version=__version__, docs_url=None, redoc_url=None,
                  description="Clinical records for facial thread lifts: consultation to the last follow-up.")
    app.state.services = services
    errors.install(app)
    for router in (auth.router, patients.router, episodes.router, admin.router):
        app.include_router(router)
    site.install(app)

    @app.get("/api/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
