"""Request dependencies: the services, and the signed-in user (every route but login and health)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from threadlift.services.base import Services
from threadlift.services.people import authenticate
from threadlift.store.users import User

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


def current_user(services: ServicesDep, token: Annotated[str, Depends(session_token)]) -> User:
    user = authenticate(services, token)
    if user is None:
        raise HTTPException(status_code=401, detail="your session has expired; sign in again",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(current_user)]
TokenDep = Annotated[str, Depends(session_token)]
