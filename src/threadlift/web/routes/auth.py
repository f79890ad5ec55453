from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from threadlift.services import people
from threadlift.services.commands import Login
from threadlift.services.types import User
from threadlift.web.deps import CurrentUser, ServicesDep, TokenDep

router = APIRouter(prefix="/api/auth", tags=["auth"])


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    active: bool


class PasswordChangeIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class AccountOut(UserOut):
    locked_until: datetime | None = None  # a sign-in lock after too many wrong passwords


class LoginOut(BaseModel):
    token: str
    expires_at: datetime
    user: UserOut


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, display_name=user.display_name, role=user.role.value,
                   active=user.active)


@router.post("/login", responses={401: {"description": "wrong user name or password"},
                                   429: {"description": "too many wrong passwords for this account or from this "
                                                        "address: locked for Retry-After seconds"}})
def login(body: Login, services: ServicesDep, request: Request) -> LoginOut:
    """Sign in; the token goes in ``Authorization: Bearer``. Wrong passwords are throttled per account and
    per client address (THREADLIFT_LOGIN_*): a lock answers 429 with Retry-After, whatever the password."""
    result = people.login(services, body, request.client.host if request.client else None)
    return LoginOut(token=result.token, expires_at=result.expires_at, user=user_out(result.user))


@router.post("/logout", status_code=204)
def logout(services: ServicesDep, user: CurrentUser, token: TokenDep) -> None:
    people.logout(services, user, token)


@router.get("/me")
def me(user: CurrentUser) -> UserOut:
    return user_out(user)


@router.put("/password", status_code=204)
def change_password(body: PasswordChangeIn, services: ServicesDep, user: CurrentUser, token: TokenDep) -> None:
    """Change your own password (the current one is required); your other sessions end."""
    people.change_own_password(services, user, body.current_password, body.new_password, keep_token=token)
