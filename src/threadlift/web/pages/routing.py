"""Page routes answer in HTML whatever goes wrong: the login page, or an error page naming the rule."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError

from threadlift.services.types import DomainError, NotFound, PermissionDenied, PhotoError
from threadlift.web.access import CrossSiteRefused, LoginRequired
from threadlift.web.errors import audit_refusal
from threadlift.web.messages import plain_error, sentence
from threadlift.web.pages.common import CsrfRejected, domain_message, templates

log = logging.getLogger(__name__)


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    return templates.TemplateResponse(request, "error.html", {"title": title, "message": message, "user": None,
                                                              "csrf": None, "page": None},
                                      status_code=status, headers={"Cache-Control": "no-store"})


ErrorPage = Callable[[Request, int, str, str], Response]


def _plain(errors: Sequence[Any]) -> str:
    return "; ".join(sentence(plain_error(e)) for e in errors)


def refusal_page(request: Request, error: Exception, page: ErrorPage) -> Response | None:
    """The answer, drawn by ``page``, to a refusal every family of pages (staff, portal) shares; None for
    an exception that is not one."""
    if isinstance(error, NotFound):
        return page(request, 404, "Not found", domain_message(error))
    if isinstance(error, DomainError):
        return page(request, 409, "Not possible now", domain_message(error))
    if isinstance(error, ValidationError):
        return page(request, 422, "Check the form", _plain(error.errors()))
    if isinstance(error, RequestValidationError):
        if any(e["loc"] and e["loc"][0] == "path" for e in error.errors()):
            return page(request, 404, "Not found", "There is no such page; check the address.")
        return page(request, 422, "Check the request", _plain(error.errors()))
    return None


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired:
                if request.headers.get("hx-request"):
                    return Response(status_code=204, headers={"HX-Redirect": "/login"})
                return RedirectResponse("/login", status_code=303)
            except CsrfRejected:
                await audit_refusal(request, CrossSiteRefused("no CSRF token, or from another site"))
                return error_page(request, 403, "Request refused",
                                  "This form was sent without its security token or from another site. Reload the "
                                  "page and try again.")
            except PermissionDenied as error:
                await audit_refusal(request, error)
                return error_page(request, 403, "Not allowed", domain_message(error))
            except PhotoError as error:
                return error_page(request, 422, "Photo not usable", f"{error.message} [{error.code}]")
            except (DomainError, ValidationError, RequestValidationError) as error:
                answer = refusal_page(request, error, error_page)
                assert answer is not None
                return answer

        return route


def page_router() -> APIRouter:
    """A router whose routes answer in HTML (see :class:`PageRoute`)."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)
