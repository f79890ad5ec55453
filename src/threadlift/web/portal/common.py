"""What every portal page needs: the signed-in patient from the portal cookie, CSRF, templates, errors.

The portal cookie is HttpOnly, SameSite=Strict, scoped to /portal, and holds a token of the
``portal_sessions`` table (never a staff session's); its idle and maximum lives are the staff
session's settings. A state-changing request carries the CSRF token derived from it (form field or
header), under a key of its own, and an Origin, when sent, of this site.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError

from threadlift.services import portal
from threadlift.services.base import Services
from threadlift.services.portal import PortalPatient
from threadlift.services.types import DomainError
from threadlift.web import csrf
from threadlift.web.deps import get_services, local_read
from threadlift.web.pages.common import templates
from threadlift.web.pages.routing import refusal_page

COOKIE = "threadlift_portal"
PATH = "/portal"
PORTAL_PREFIX = "portal:"
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}  # no link token leaves the site


class PortalSignInRequired(Exception):
    """No live portal session: the page answers with the portal's sign-in page."""


class PortalCsrfRejected(Exception):
    pass


def csrf_for(services: Services, session_token: str) -> str:
    """The portal session's CSRF token: the staff pages' scheme (:mod:`threadlift.web.csrf`, the server's
    key), on the token marked as a portal one, so no staff page's token is ever a portal token too."""
    return csrf.csrf_for(services, PORTAL_PREFIX + session_token)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    services: Services = request.app.state.services
    context.setdefault("csrf", None)
    context.setdefault("who", None)
    context.update(clinic_name=services.settings.clinic_name, clinic_phone=services.settings.clinic_phone)
    return templates.TemplateResponse(request, template, context, status_code=status_code, headers=HEADERS)


class PortalPage:
    def __init__(self, request: Request, services: Services, who: PortalPatient, token: str) -> None:
        self.request = request
        self.services = services
        self.who = who
        self.token = token
        self.csrf = csrf_for(services, token)
        self.zone = ZoneInfo(services.settings.timezone)

    def local(self, moment: datetime | None, fmt: str | None = None) -> str:
        """A time on the clinic's clock; by default its day (in the clinic's format) and hour."""
        if moment is None:
            return ""
        if fmt is None:
            return f"{self.services.day_text(moment)} {moment.astimezone(self.zone):%H:%M}"
        return moment.astimezone(self.zone).strftime(fmt)

    def day(self, value: date | datetime | None) -> str:
        """A day in the clinic's one format (THREADLIFT_DATE_FORMAT)."""
        return "" if value is None else self.services.day_text(value)

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return render(self.request, template, status_code, page=self, who=self.who, csrf=self.csrf, **context)

    def redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303, headers=HEADERS)


async def portal_page(request: Request, services: Annotated[Services, Depends(get_services)]) -> PortalPage:
    token = request.cookies.get(COOKIE)
    if not token:
        raise PortalSignInRequired()
    who, refresh = await local_read(services, portal.session_of, services, token)
    if refresh:
        await run_in_threadpool(portal.refresh_session, services, token, expired=who is None)
    if who is None:
        raise PortalSignInRequired()
    if request.method not in ("GET", "HEAD"):
        if not csrf.same_origin(request):
            raise PortalCsrfRejected()
        sent = request.headers.get(csrf.CSRF_HEADER)
        if sent is None:
            form = await request.form()
            field = form.get(csrf.CSRF_FIELD)
            sent = field if isinstance(field, str) else None
        if not csrf.csrf_valid(services, PORTAL_PREFIX + token, sent):
            raise PortalCsrfRejected()
    return PortalPage(request, services, who, token)


PortalPageDep = Annotated[PortalPage, Depends(portal_page)]


async def optional_portal_page(request: Request,
                               services: Annotated[Services, Depends(get_services)]) -> PortalPage | None:
    """The signed-in patient's page context, or None (a GET only: no CSRF check to make)."""
    try:
        return await portal_page(request, services)
    except PortalSignInRequired:
        return None


OptionalPortalPage = Annotated[PortalPage | None, Depends(optional_portal_page)]


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    return render(request, "portal/error.html", status, title=title, message=message)


class PortalRoute(APIRoute):
    """Portal routes answer in HTML whatever goes wrong, and never with a staff page or the staff login."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except PortalSignInRequired:
                return RedirectResponse(PATH, status_code=303, headers=HEADERS)
            except PortalCsrfRejected:
                return error_page(request, 403, "Request refused", "This form was sent without its security token "
                                  "or from another site. Reload the page and try again.")
            except (DomainError, ValidationError, RequestValidationError) as error:
                answer = refusal_page(request, error, error_page)
                assert answer is not None
                return answer

        return route


def portal_router() -> APIRouter:
    return APIRouter(prefix=PATH, route_class=PortalRoute, include_in_schema=False)
