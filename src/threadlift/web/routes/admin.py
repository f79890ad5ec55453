from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from threadlift.services import audit, people, stock
from threadlift.services.commands import CreateUser, ReceiveLot
from threadlift.services.types import AuditEntry, LotStock, Recipient, StaffAccount, ThreadLot, ThreadLotEntry
from threadlift.web.deps import CurrentUser, ServicesDep
from threadlift.web.routes.auth import AccountOut, UserOut, user_out

router = APIRouter(prefix="/api", tags=["stock and administration"])


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=256)


@router.get("/threads/lots")
def list_lots(services: ServicesDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [_stock(s) for s in stock.lots(services, user)]


def _stock(s: LotStock) -> dict[str, Any]:
    return {"lot": s.lot, "used": s.used, "available": s.available}


@router.post("/threads/lots", status_code=201)
def receive_lot(body: ThreadLotEntry, services: ServicesDep, user: CurrentUser) -> ThreadLot:
    return stock.receive_lot(services, user, ReceiveLot(lot=body))


@router.get("/threads/lots/{lot_number}/patients")
def recall(lot_number: str, services: ServicesDep, user: CurrentUser) -> list[Recipient]:
    return stock.recall(services, user, lot_number)


@router.get("/audit")
def audit_trail(services: ServicesDep, user: CurrentUser, after_id: Annotated[int, Query(ge=0, le=2**62)] = 0,
                limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = 200) -> list[AuditEntry]:
    return audit.audit_trail(services, user, after_id=after_id, limit=limit)


@router.get("/audit/verify")
def verify(services: ServicesDep, user: CurrentUser) -> dict[str, Any]:
    problem = audit.verify_audit(services, user)
    if problem is None:
        return {"intact": True}
    return {"intact": False, "row_id": problem.row_id, "problem": problem.problem, "message": problem.message}


@router.get("/users")
def list_users(services: ServicesDep, user: CurrentUser) -> list[AccountOut]:
    """Every account, with the end of its sign-in lock if it is locked now."""
    locks = people.sign_in_locks(services, user)
    return [AccountOut(**user_out(u).model_dump(), locked_until=locks.get(u.id))
            for u in people.list_users(services, user)]


@router.post("/users", status_code=201)
def create_user(body: StaffAccount, services: ServicesDep, user: CurrentUser) -> UserOut:
    return user_out(people.create_user(services, user, CreateUser(account=body)))


@router.post("/users/{user_id}/deactivate")
def deactivate_user(user_id: UUID, services: ServicesDep, user: CurrentUser) -> UserOut:
    """The account can no longer sign in; its sessions end at once."""
    return user_out(people.deactivate_user(services, user, str(user_id)))


@router.post("/users/{user_id}/reactivate")
def reactivate_user(user_id: UUID, services: ServicesDep, user: CurrentUser) -> UserOut:
    return user_out(people.reactivate_user(services, user, str(user_id)))


@router.post("/users/{user_id}/unlock")
def unlock_user(user_id: UUID, services: ServicesDep, user: CurrentUser) -> dict[str, bool]:
    """Lift the account's sign-in lock after too many wrong passwords (``had_failures``: there was one to lift)."""
    return {"had_failures": people.unlock_user(services, user, str(user_id))}


@router.put("/users/{user_id}/password", status_code=204)
def set_password(user_id: UUID, body: PasswordIn, services: ServicesDep, user: CurrentUser) -> None:
    """Set (reset) another user's password; their sessions end."""
    people.set_password(services, user, str(user_id), body.password)
