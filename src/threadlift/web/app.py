"""The FastAPI application: ``create_app(services)``, no globals; OpenAPI at /openapi.json."""

from __future__ import annotations

from fastapi import FastAPI

from threadlift import __version__
from threadlift.services.base import Services
from threadlift.web import errors, site
from threadlift.web.routes import admin, auth, episodes, patients


def create_app(services: Services) -> FastAPI:
    app = FastAPI(title="ThreadLift", version=__version__,
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
