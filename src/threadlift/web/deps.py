"""Request dependencies: the services, and the signed-in user (every route but login and health)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from threadlift.services.base import Services
from threadlift.services.people import refresh_session, session_of
from threadlift.services.types import User
from threadlift.web.access import CrossSiteRefused, Open, is_api, needed, refuse_unless_allowed, unauthenticated
from threadlift.web.csrf import CSRF_HEADER, SESSION_COOKIE, csrf_valid, same_origin

_bearer = HTTPBearer(auto_error=False)


async def get_services(request: Request) -> Services:  # async: no thread hop for a dictionary lookup
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


async def session_token(request: Request, services: ServicesDep,
                        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    """The request's session: its bearer token, or the pages' session cookie. A cookie is sent by the
    browser whichever site made the request, so an unsafe request signed in by cookie alone must carry
    the session's CSRF token in ``X-CSRF-Token`` and come from this site (:mod:`threadlift.web.csrf`):
    a form or ``fetch`` on another site can set neither."""
    if credentials:
        return credentials.credentials
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise HTTPException(status_code=401, detail="sign in first", headers={"WWW-Authenticate": "Bearer"})
    if request.method not in SAFE_METHODS and not (
            same_origin(request) and csrf_valid(services, token, request.headers.get(CSRF_HEADER))):
        raise CrossSiteRefused("a request signed in by the pages' cookie must come from this site with its "
                               "X-CSRF-Token header; programs sign in with POST /api/auth/login and send "
                               "Authorization: Bearer")
    return token


P = ParamSpec("P")
T = TypeVar("T")


async def local_read(services: Services, read: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a short read that writes nothing: on the event loop itself when the database is a SQLite
    file, on the thread pool when it is a server.

    Only the session check uses it (every request makes one). A SQLite read of the session row takes
    a fraction of a millisecond in this process and waits on no lock (WAL: readers never wait for the
    writer); a second hop to a thread for it costs more than that in handovers of Python's interpreter
    lock. bench/records.py, 100 requests/s, p99 of search and episode reads (which run on the pool):
    12/11 ms with the session read here against 28/21 ms with it on the pool, and a third less
    throughput at saturation. A PostgreSQL read waits on network round trips, during which the loop
    must stay free. Anything that writes (an audit row, the session's refresh), could wait for a lock,
    analyses photos or renders runs on the pool.
    """
    if services.database_in_process:
        return read(*args, **kwargs)
    return await run_in_threadpool(read, *args, **kwargs)


async def session_user(services: Services, token: str) -> User | None:
    """The user of a live session: the read as :func:`local_read` allows, its occasional write (the
    last-seen time, at most every 30 s, or an ended session's removal) on the pool."""
    user, refresh = await local_read(services, session_of, services, token)
    if refresh:
        await run_in_threadpool(refresh_session, services, token, expired=user is None)
    return user


async def request_user(request: Request, services: Services) -> tuple[User, str]:
    """The signed-in user and their session token, looked up once per request (kept on ``request.state``).
    API routes take a bearer token or the cookie (with CSRF for unsafe methods); pages the cookie."""
    known: tuple[User, str] | None = getattr(request.state, "signed_in", None)
    if known is not None:
        return known
    if is_api(request):
        token = await session_token(request, services, await _bearer(request))
    else:
        token = request.cookies.get(SESSION_COOKIE) or ""
    user = await session_user(services, token) if token else None
    if user is None:
        raise unauthenticated(request, "your session has expired; sign in again")
    request.state.signed_in = (user, token)
    return user, token


async def guard(request: Request, services: ServicesDep) -> None:
    """Every route's first dependency: the route's entry in :data:`threadlift.web.access.ROUTES` decides
    whether a sign-in is needed and which permission, before the route's own parameters are read."""
    need = needed(request)
    if need in (Open.PUBLIC, Open.PORTAL):  # the portal checks its patients itself
        return
    user, _ = await request_user(request, services)
    refuse_unless_allowed(user, need)


async def current_user(request: Request, services: ServicesDep) -> User:
    return (await request_user(request, services))[0]


CurrentUser = Annotated[User, Depends(current_user)]
async def current_token(request: Request, services: ServicesDep) -> str:
    return (await request_user(request, services))[1]


TokenDep = Annotated[str, Depends(current_token)]
