from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from threadlift.services import people
from threadlift.services.commands import Login
from threadlift.web.csrf import same_origin
from threadlift.web.deps import ServicesDep
from threadlift.web.pages.common import COOKIE, PageDep, templates
from threadlift.web.pages.routing import page_router

router = page_router()


def _login_page(request: Request, services: ServicesDep, status: int = 200, message: str = "",
                username: str = "", headers: dict[str, str] | None = None) -> Response:
    return templates.TemplateResponse(request, "login.html", {
        "user": None, "csrf": None, "page": None, "message": message, "username": username,
        "idle": services.settings.session_idle_minutes}, status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})})


@router.get("/login")
def login_form(request: Request, services: ServicesDep) -> Response:
    return _login_page(request, services)


@router.post("/login")
def login(request: Request, services: ServicesDep, username: Annotated[str, Form(max_length=80)] = "",
          password: Annotated[str, Form(max_length=200)] = "") -> Response:
    if not same_origin(request):
        return _login_page(request, services, 403, "Sign in from ThreadLift's own page.")
    if not username or not password:
        return _login_page(request, services, 422, "Enter your user name and password.", username)
    try:
        result = people.login(services, Login(username=username, password=password),
                              request.client.host if request.client else None)
    except people.SignInLocked as error:
        return _login_page(request, services, 429, error.message[0].upper() + error.message[1:] + ".", username,
                           {"Retry-After": str(error.retry_after_s)})
    except people.LoginFailed:
        return _login_page(request, services, 401, "Wrong user name or password.", username)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, result.token, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def logout(page: PageDep) -> Response:
    token = page.request.cookies.get(COOKIE, "")
    people.logout(page.services, page.user, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
