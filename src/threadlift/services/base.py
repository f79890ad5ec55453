"""What every use case needs: a unit of work, the clinic's policy, the photo vault, a clock, the actor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from threadlift.clinic.errors import DomainError
from threadlift.clinic.policy import ClinicPolicy
from threadlift.clinic.roles import Permission, allowed
from threadlift.config import Settings
from threadlift.store import audit
from threadlift.store.unit_of_work import UnitOfWork
from threadlift.store.users import User
from threadlift.store.vault import PhotoVault


class PermissionDenied(DomainError):
    rule = "permission"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """The composition of real adapters (see :mod:`threadlift.bootstrap`); tests build it the same way."""

    settings: Settings
    sessions: sessionmaker[Session]
    vault: PhotoVault
    clock: Callable[[], datetime] = utc_now

    @property
    def policy(self) -> ClinicPolicy:
        return self.settings.policy

    def uow(self, *, read_only: bool = False, logs_reads: bool = False) -> UnitOfWork:
        """A unit of work. ``logs_reads``: it changes nothing but the audit trail (a read being logged)."""
        return UnitOfWork(self.sessions, read_only=read_only, logs_reads=logs_reads)


def require(actor: User, permission: Permission) -> None:
    if not allowed(actor.role, permission):
        raise PermissionDenied(f"a {actor.role.value} may not do this ({permission.value})")


def record(uow: UnitOfWork, svc: Services, actor: User | None, action: str, entity_type: str,
           entity_id: object = None, **detail: object) -> None:
    """Append to the audit trail inside the use case's transaction. ``detail`` must hold no patient data."""
    audit.append(uow.session, at=svc.clock(), user_id=actor.id if actor else None, action=action,
                 entity_type=entity_type, entity_id=None if entity_id is None else str(entity_id), detail=detail)
