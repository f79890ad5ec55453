"""What every page needs: templates, the signed-in user from the session cookie, CSRF, form errors.

Pages call the same services as the JSON API and only translate: a form in, HTML out. The session
lives in an HttpOnly, SameSite=Strict cookie; every state-changing request also carries a CSRF token
and comes from this site (:mod:`threadlift.web.csrf`).

Page handlers are plain functions, run on the thread pool: they read the database and draw images.
What is awaited (the session check, the form's body) is done by the async dependencies here, before
the handler runs (see :func:`threadlift.web.deps.session_user`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import ValidationError
from starlette.datastructures import FormData

from threadlift.services.base import Services, require
from threadlift.services.people import staff_names
from threadlift.services.types import DomainError, Permission, User, allowed
from threadlift.web.csrf import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, csrf_for, csrf_valid, same_origin
from threadlift.web.deps import get_services, request_user
from threadlift.web.messages import minutes, plain_error, sentence

COOKIE = SESSION_COOKIE


class CsrfRejected(Exception):
    """A state-changing request without the session's CSRF token, or from another origin."""


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("threadlift.web", "templates"), autoescape=select_autoescape(["html"]),
                      auto_reload=False,  # the templates ship in the package: a new version restarts the server
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["words"] = lambda value: str(value).replace("_", " ")
    env.filters["mm"] = lambda value: "" if value is None else f"{value:.1f} mm"
    env.filters["minutes"] = minutes
    return env


templates = Jinja2Templates(env=_environment())


class Page:
    """The request's context: the services, the signed-in user and their session's CSRF token."""

    def __init__(self, request: Request, services: Services, user: User, token: str) -> None:
        self.request = request
        self.services = services
        self.user = user
        self.csrf = csrf_for(services, token)
        self.zone = ZoneInfo(services.settings.timezone)
        self._names: dict[str, str] | None = None

    @property
    def names(self) -> dict[str, str]:
        """Staff display names by user id (read once per request): pages name people, never ids."""
        if self._names is None:
            self._names = staff_names(self.services, self.user)
        return self._names

    def name(self, user_id: str | None) -> str:
        return "" if user_id is None else self.names.get(user_id, "a former member of staff")

    def may(self, permission: str) -> bool:
        return allowed(self.user.role, Permission(permission))

    def require(self, permission: str) -> None:
        """For pages that show a form before any service is called: refuse it to roles that could not use it."""
        require(self.user, Permission(permission))

    def local(self, moment: datetime | None, fmt: str | None = None) -> str:
        """A time on the clinic's clock; by default its day (in the clinic's format) and hour."""
        if moment is None:
            return ""
        if fmt is None:
            return f"{self.services.day_text(moment)} {moment.astimezone(self.zone):%H:%M}"
        return moment.astimezone(self.zone).strftime(fmt)

    def clinic_time(self, text: str | None) -> str | None:
        """A time typed in a form (``datetime-local``: the clinic's wall clock, no zone) as an ISO instant with
        the clinic's zone; a value that is not a time is passed on, for the form's own error."""
        if not text:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        return (moment if moment.tzinfo else moment.replace(tzinfo=self.zone)).isoformat()

    def day(self, value: date | datetime | None) -> str:
        """A day in the one format of every page; a moment as the clinic's day."""
        return "" if value is None else self.services.day_text(value)

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.update(page=self, user=self.user, csrf=self.csrf, now=self.services.clock(),
                       today=self.services.today())
        return templates.TemplateResponse(self.request, template, context, status_code=status_code,
                                          headers={"Cache-Control": "no-store"})

    def redirect(self, url: str) -> Response:
        """After a successful POST: a full redirect, or htmx's own redirect for htmx requests."""
        if self.request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)


async def page(request: Request, services: Annotated[Services, Depends(get_services)]) -> Page:
    user, token = await request_user(request, services)
    if request.method not in ("GET", "HEAD"):
        if not same_origin(request):
            raise CsrfRejected()
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form()  # parsed once; FastAPI's Form() parameters reuse it
            field = form.get(CSRF_FIELD)
            sent = field if isinstance(field, str) else None
        if not csrf_valid(services, token, sent):
            raise CsrfRejected()
    return Page(request, services, user, token)


PageDep = Annotated[Page, Depends(page)]


async def posted_form(request: Request) -> FormData:
    """The request's form, parsed on the event loop (Starlette parses it once; CSRF read it already)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(posted_form)]


def field_errors(error: ValidationError, prefix: str = "") -> dict[str, str]:
    """Pydantic errors by form field name (``history.pregnant``), in words a user can act on
    (:mod:`threadlift.web.messages`)."""
    found: dict[str, str] = {}
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"] if part != "__root__")
        name = f"{prefix}{location}" if location else prefix.rstrip(".") or "form"
        found.setdefault(name, sentence(plain_error(item)))
    return found


RULE_ID = re.compile(r"^[A-Z]{2,3}-\d{2}$")  # a clinical rule's id (thread-lift-clinical.md §8), e.g. PRO-04


def domain_message(error: DomainError) -> str:
    """The refusal in words, with its clinical rule's id once (internal codes such as not_found are not shown)."""
    rule = getattr(error, "rule", "") or ""
    shown = f" ({rule})" if RULE_ID.match(rule) and rule not in error.message else ""
    return error.message[0].upper() + error.message[1:] + shown


def form_values(form: Mapping[str, Any]) -> dict[str, str]:
    return {key: value for key, value in form.items() if isinstance(value, str) and key != CSRF_FIELD}


def filled(values: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str | None]:
    """Form fields as an entry model's fields: a blank field is "not recorded" (None), never ""."""
    return {name: (values.get(name) or "").strip() or None for name in names}


def ticked(values: Mapping[str, str], name: str) -> bool:
    """An HTML checkbox: sent ("on") when ticked, absent when not."""
    return values.get(name) == "on"
