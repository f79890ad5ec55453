from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from threadlift.clinic.roles import Role
from threadlift.clinic.threads import Design, Material
from threadlift.services import people, records
from threadlift.web.deps import CurrentUser, ServicesDep
from threadlift.web.routes.auth import UserOut, user_out

router = APIRouter(prefix="/api", tags=["stock and administration"])


class LotIn(BaseModel):
    product: str = Field(min_length=1, max_length=120)
    manufacturer: str | None = Field(default=None, max_length=120)
    material: Material
    design: Design
    gauge: str = Field(min_length=1, max_length=10)
    length_mm: float = Field(gt=0, le=600)
    cones: int | None = Field(default=None, ge=0, le=40)
    lot: str = Field(min_length=1, max_length=60)
    expiry: date
    quantity_received: int = Field(gt=0, le=100_000)
    received_on: date


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=80, pattern=r"^[a-zA-Z0-9._-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str = Field(min_length=1, max_length=256)  # the password policy speaks for itself (422)


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=256)


@router.get("/threads/lots")
def list_lots(services: ServicesDep, user: CurrentUser) -> Any:
    return [{"lot": s.lot, "used": s.used, "available": s.available} for s in records.lots(services, user)]


@router.post("/threads/lots", status_code=201)
def receive_lot(body: LotIn, services: ServicesDep, user: CurrentUser) -> Any:
    return records.receive_lot(services, user, body.model_dump())


@router.get("/threads/lots/{lot_number}/patients")
def recall(lot_number: str, services: ServicesDep, user: CurrentUser) -> Any:
    return records.recall(services, user, lot_number)


@router.get("/audit")
def audit_trail(services: ServicesDep, user: CurrentUser, after_id: int = 0, limit: int = 200) -> Any:
    return records.audit_trail(services, user, after_id=after_id, limit=min(limit, 1000))


@router.get("/audit/verify")
def verify(services: ServicesDep, user: CurrentUser) -> Any:
    problem = records.verify_audit(services, user)
    if problem is None:
        return {"intact": True}
    return {"intact": False, "row_id": problem.row_id, "problem": problem.problem, "message": problem.message}


@router.get("/users")
def list_users(services: ServicesDep, user: CurrentUser) -> list[UserOut]:
    return [user_out(u) for u in people.list_users(services, user)]


@router.post("/users", status_code=201)
def create_user(body: UserIn, services: ServicesDep, user: CurrentUser) -> UserOut:
    return user_out(people.create_user(services, user, body.username, body.display_name, body.role, body.password))


@router.post("/users/{user_id}/deactivate")
def deactivate_user(user_id: UUID, services: ServicesDep, user: CurrentUser) -> UserOut:
    """The account can no longer sign in; its sessions end at once."""
    return user_out(people.deactivate_user(services, user, str(user_id)))


@router.post("/users/{user_id}/reactivate")
def reactivate_user(user_id: UUID, services: ServicesDep, user: CurrentUser) -> UserOut:
    return user_out(people.reactivate_user(services, user, str(user_id)))


@router.put("/users/{user_id}/password", status_code=204)
def set_password(user_id: UUID, body: PasswordIn, services: ServicesDep, user: CurrentUser) -> None:
    """Set (reset) another user's password; their sessions end."""
    people.set_password(services, user, str(user_id), body.password)
