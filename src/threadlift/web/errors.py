"""Domain errors to HTTP: rule violations 409 naming the rule, unknown ids 404, permissions 403,
validation 422 with field-level messages, unusable photos 422 with their code."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from threadlift.services.audit import record_refusal
from threadlift.services.base import Services
from threadlift.services.people import LoginFailed, SignInLocked
from threadlift.services.types import DomainError, NotFound, PermissionDenied, PhotoError, WeakPassword


async def audit_refusal(request: Request, error: DomainError) -> None:
    """Every refusal (403) in the audit trail, with who asked (when known) and the route's template."""
    services: Services = request.app.state.services
    signed_in = getattr(request.state, "signed_in", None)
    route = request.scope.get("route")
    where = f"{request.method} {getattr(route, 'path', '(no route)')}"
    await run_in_threadpool(record_refusal, services, signed_in[0] if signed_in else None, where, error.message)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain(request: Request, error: DomainError) -> JSONResponse:
        if isinstance(error, NotFound):
            return JSONResponse({"detail": error.message, "rule": error.rule}, status_code=404)
        if isinstance(error, SignInLocked):
            return JSONResponse({"detail": error.message, "rule": error.rule, "retry_after_s": error.retry_after_s},
                                status_code=429, headers={"Retry-After": str(error.retry_after_s)})
        if isinstance(error, LoginFailed):
            return JSONResponse({"detail": error.message}, status_code=401)
        if isinstance(error, PermissionDenied):
            await audit_refusal(request, error)
            return JSONResponse({"detail": error.message, "rule": error.rule}, status_code=403)
        if isinstance(error, WeakPassword):  # a value the policy refuses, like a schema's refusal
            return JSONResponse({"detail": error.message, "rule": error.rule}, status_code=422)
        return JSONResponse({"detail": error.message, "rule": error.rule}, status_code=409)

    @app.exception_handler(ValidationError)
    async def invalid(request: Request, error: ValidationError) -> JSONResponse:
        fields = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
        return JSONResponse({"detail": fields}, status_code=422)

    @app.exception_handler(PhotoError)
    async def photo(request: Request, error: PhotoError) -> JSONResponse:
        return JSONResponse({"detail": error.message, "code": error.code}, status_code=422)
