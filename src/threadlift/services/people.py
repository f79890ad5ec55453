"""Use cases for staff and patients: login, users, patient registration and search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from threadlift.clinic.errors import InvalidInput
from threadlift.clinic.patient import Patient
from threadlift.clinic.roles import Permission, Role
from threadlift.services.base import PermissionDenied, Services, record, require
from threadlift.store.users import User, WeakPassword


class LoginFailed(PermissionDenied):
    rule = "login"


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: datetime
    user: User


def login(svc: Services, username: str, password: str) -> LoginResult:
    with svc.uow() as uow:
        user = uow.users.authenticate(username, password)
        if user is None:
            record(uow, svc, None, "login_failed", "user")  # no user name stored: it may be a patient's typo
            uow.commit()
            raise LoginFailed("wrong user name or password")
        token, expires = uow.users.start_session(user, svc.clock(), svc.settings.session_max_hours)
        record(uow, svc, user, "login", "user", user.id)
        uow.commit()
        return LoginResult(token, expires, user)


def authenticate(svc: Services, token: str) -> User | None:
    """The user of a live session. The session's last-seen time is refreshed at most every 30 s, in
    its own short write, so most requests authenticate without queueing for a write."""
    now = svc.clock()
    with svc.uow(read_only=True) as uow:
        user, stale = uow.users.session_user(token, now, svc.settings.session_idle_minutes)
    if stale is not None:
        with svc.uow() as uow:
            uow.users.touch_session(token, now, expired=user is None)
            uow.commit()
    return user


def logout(svc: Services, actor: User, token: str) -> None:
    with svc.uow() as uow:
        uow.users.end_session(token)
        record(uow, svc, actor, "logout", "user", actor.id)
        uow.commit()


def create_user(svc: Services, actor: User | None, username: str, display_name: str, role: Role,
                password: str) -> User:
    """Create a staff account. ``actor`` None is the command line's bootstrap of the first admin."""
    if actor is not None:
        require(actor, Permission.USERS_MANAGE)
    with svc.uow() as uow:
        if uow.users.by_username(username) is not None:
            raise InvalidInput(f"the user name {username} is taken", rule="unique_username")
        try:
            user = uow.users.create(username, display_name, role, password, svc.clock())
        except WeakPassword as error:
            raise InvalidInput(str(error), rule="password_policy") from None
        record(uow, svc, actor, "create", "user", user.id, role=role.value)
        uow.commit()
        return user


def list_users(svc: Services, actor: User) -> list[User]:
    require(actor, Permission.USERS_MANAGE)
    with svc.uow() as uow:
        return uow.users.all()


def register_patient(svc: Services, actor: User, fields: dict[str, Any]) -> Patient:
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    patient = Patient.model_validate(fields)
    with svc.uow() as uow:
        uow.patients.add(patient)
        record(uow, svc, actor, "create", "patient", patient.id)
        uow.commit()
    return patient


def update_patient(svc: Services, actor: User, patient_id: UUID, changes: dict[str, Any]) -> Patient:
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    with svc.uow() as uow:
        current = uow.patients.get(patient_id)
        updated = Patient.model_validate({**current.model_dump(), **changes, "id": current.id})
        uow.patients.update(updated)
        record(uow, svc, actor, "update", "patient", patient_id, fields=sorted(changes))
        uow.commit()
        return updated


def get_patient(svc: Services, actor: User, patient_id: UUID) -> Patient:
    require(actor, Permission.DEMOGRAPHICS_READ)
    with svc.uow(logs_reads=True) as uow:
        patient = uow.patients.get(patient_id)
        record(uow, svc, actor, "read", "patient", patient_id)
        uow.commit()
        return patient


def search_patients(svc: Services, actor: User, text: str, limit: int = 50,
                    offset: int = 0) -> tuple[list[Patient], int]:
    require(actor, Permission.DEMOGRAPHICS_READ)
    if len(text) > 200:
        raise InvalidInput("the search text is longer than 200 characters")
    with svc.uow(logs_reads=True) as uow:
        found, total = uow.patients.search(text, limit=limit, offset=offset)
        record(uow, svc, actor, "search", "patient", None, results=len(found))  # the query itself may be a name
        uow.commit()
        return found, total
