"""The audit trail, for auditors: read in pages, the newest rows, and the whole chain verified."""

from __future__ import annotations

from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.services.base import Services, record, require
from threadlift.store.audit import AuditEntry, AuditProblem

MAX_PAGE = 1000


def audit_trail(svc: Services, actor: User, *, after_id: int = 0, limit: int = 200,
                logged: bool = True) -> list[AuditEntry]:
    """A page of the trail; reading it is itself recorded (who looked at whose activity). ``logged``
    False: the caller records the whole read once (an export reads page after page)."""
    require(actor, Permission.AUDIT_READ)
    if not logged:
        with svc.uow(read_only=True) as uow:
            return uow.audit.entries(after_id=max(0, after_id), limit=max(1, min(limit, MAX_PAGE)))
    with svc.uow(logs_reads=True) as uow:
        entries = uow.audit.entries(after_id=max(0, after_id), limit=max(1, min(limit, MAX_PAGE)))
        record(uow, svc, actor, "read", "audit", None, after_id=after_id, rows=len(entries))
        uow.commit()
        return entries


def recent_audit(svc: Services, actor: User, count: int = 50) -> list[AuditEntry]:
    """The newest ``count`` audit rows, newest first (the reading recorded)."""
    require(actor, Permission.AUDIT_READ)
    with svc.uow(logs_reads=True) as uow:
        entries = uow.audit.recent(max(1, min(count, MAX_PAGE)))
        record(uow, svc, actor, "read", "audit", None, rows=len(entries))
        uow.commit()
        return entries


def record_refusal(svc: Services, actor: User | None, route: str, reason: str) -> None:
    """A refused request (403) in the trail: who, which route (its template: no ids), and why."""
    with svc.uow() as uow:
        record(uow, svc, actor, "refused", "route", None, route=route, reason=reason)
        uow.commit()


def record_operation(svc: Services, action: str, **detail: object) -> None:
    """An operator's command on the server (a backup, a restore) in the audit trail; counts only."""
    with svc.uow() as uow:
        record(uow, svc, None, action, "clinic", None, **detail)
        uow.commit()


def verify_audit(svc: Services, actor: User | None) -> AuditProblem | None:
    """Walk the whole chain. ``actor`` None is the command line run by the server's operator.

    A read-only unit: the walk may take seconds on a long trail and holds no write lock meanwhile."""
    if actor is not None:
        require(actor, Permission.AUDIT_READ)
    with svc.uow(read_only=True) as uow:
        return uow.audit.verify()
