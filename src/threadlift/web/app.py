"""The FastAPI application: ``create_app(services)``, no globals; OpenAPI at /openapi.json."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.formparsers import MultiPartParser

from threadlift import __version__
from threadlift.logs import RequestLog
from threadlift.services.base import Services
from threadlift.services.operations import health as check_health
from threadlift.services.photos import MAX_UPLOAD_BYTES
from threadlift.services.portal_worker import start_worker
from threadlift.web import errors, openapi, site
from threadlift.web.access import check_covered
from threadlift.web.deps import guard
from threadlift.web.headers import SecurityHeaders
from threadlift.web.idempotency import Idempotency
from threadlift.web.routes import (
    admin,
    appointments,
    auth,
    episodes,
    exports,
    followups,
    outcomes,
    patients,
    photos,
    plans,
    procedure,
)
from threadlift.web.routes import portal as portal_api


def create_app(services: Services) -> FastAPI:
    # An uploaded photo stays in memory while its form is parsed (the idempotency check holds the body
    # already, and the handlers read the file whole): spooled to disk past Starlette's 1 MB, each 64 KB
    # of a 12 MB photo went through the thread pool to a temporary file and back.
    MultiPartParser.spool_max_size = MAX_UPLOAD_BYTES
    # FastAPI's /docs and /redoc pages load their scripts from a public CDN: a clinic's browser would
    # call out to a third party, and offline they do not work. The schema stays at /openapi.json.
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        mail = start_worker(services)  # the outbox and the check-ins (services/portal_worker.py)
        yield
        await run_in_threadpool(mail.stop)
        await run_in_threadpool(services.analyser.close)  # the photo-analysis worker ends with the server

    app = FastAPI(title="ThreadLift", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Clinical records for facial thread lifts: consultation to the last follow-up.",
                  dependencies=[Depends(guard)])  # who may call each route: web/access.py
    app.state.services = services
    app.add_middleware(Idempotency, services=services)  # a create sent twice records once
    app.add_middleware(RequestLog)
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    for router in (auth.router, patients.router, episodes.router, plans.router, photos.router, procedure.router,
                   followups.router, appointments.router, admin.router, exports.router, portal_api.router,
                   outcomes.router):
        app.include_router(router)
    site.install(app)

    @app.get("/api/health", tags=["health"], responses={503: {"description": "the database or the photo key "
                                                                           "cannot be used"}})
    async def health() -> JSONResponse:
        """For load balancers and container health checks: the database answers at the expected schema
        and the photo key opens the vault. No sign-in; no patient data."""
        checks = await run_in_threadpool(check_health, services)
        healthy = all(value == "ok" for value in checks.values())
        return JSONResponse({"status": "ok" if healthy else "unavailable", "version": __version__, **checks},
                            status_code=200 if healthy else 503)

    check_covered(app)
    openapi.install(app)
    return app
