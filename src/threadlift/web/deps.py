"""Request dependencies: the services, and the signed-in user (every route but login and health)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from threadlift.services.base import Services
from threadlift.services.people import authenticate
from threadlift.services.types import User

_bearer = HTTPBearer(auto_error=False)


async def get_services(request: Request) -> Services:  # async: no thread hop for a dictionary lookup
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def session_token(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    token = credentials.credentials if credentials else request.cookies.get("threadlift_session")
    if not token:
        raise HTTPException(status_code=401, detail="sign in first", headers={"WWW-Authenticate": "Bearer"})
    return token


P = ParamSpec("P")
T = TypeVar("T")


async def quick_read(services: Services, read: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a short database read for a request: on the event loop itself when the database is a
    SQLite file, on the thread pool when it is a server.

    A SQLite read takes a fraction of a millisecond in this process; handing it to a thread cost
    more than that in handovers of Python's interpreter lock between the thread and the loop, and
    under load each handover could wait several milliseconds (p99 of patient search 62-202 ms in
    threads against 30-51 ms inline, at 100 requests/s in bench/records.py). A PostgreSQL read
    waits on network round trips, during which the loop must stay free.
    Only for reads that stay short: anything that analyses photos or renders stays on the pool.
    """
    if services.database_in_process:
        return read(*args, **kwargs)
    return await run_in_threadpool(read, *args, **kwargs)


async def current_user(services: ServicesDep, token: Annotated[str, Depends(session_token)]) -> User:
    user = await quick_read(services, authenticate, services, token)
    if user is None:
        raise HTTPException(status_code=401, detail="your session has expired; sign in again",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(current_user)]
TokenDep = Annotated[str, Depends(session_token)]
