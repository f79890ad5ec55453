"""Page routes answer in HTML whatever goes wrong: the login page, or an error page naming the rule."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from pydantic import ValidationError

from threadlift.services.types import DomainError, NotFound, PermissionDenied, PhotoError
from threadlift.web.access import CrossSiteRefused, LoginRequired
from threadlift.web.errors import audit_refusal
from threadlift.web.pages.common import CsrfRejected, domain_message, templates

log = logging.getLogger(__name__)


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    return templates.TemplateResponse(request, "error.html", {"title": title, "message": message, "user": None,
                                                              "csrf": None, "page": None},
                                      status_code=status, headers={"Cache-Control": "no-store"})


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
            except NotFound as error:
                return error_page(request, 404, "Not found", domain_message(error))
            except DomainError as error:
                return error_page(request, 409, "Not possible now", domain_message(error))
            except PhotoError as error:
                return error_page(request, 422, "Photo not usable", f"{error.message} [{error.code}]")
            except ValidationError as error:
                return error_page(request, 422, "Check the form", "; ".join(e["msg"] for e in error.errors()))
            except RequestValidationError as error:
                if any(e["loc"] and e["loc"][0] == "path" for e in error.errors()):
                    return error_page(request, 404, "Not found", "There is no such page; check the address.")
                return error_page(request, 422, "Check the request", "; ".join(e["msg"] for e in error.errors()))

        return route


def page_router() -> APIRouter:
    """A router whose routes answer in HTML (see :class:`PageRoute`)."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)
