"""The complications register: adverse events across patients, filtered, with rates per 100 procedures."""

from __future__ import annotations

from threadlift.clinic.registers import ComplicationsRegister, RegisterEntry, RegisterFilter, complications_register
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.services.base import Services, record, require


def adverse_events(svc: Services, actor: User, scope: RegisterFilter | None = None) -> list[RegisterEntry]:
    require(actor, Permission.REGISTER_READ)
    with svc.uow(logs_reads=True) as uow:
        entries = uow.registers.adverse_events(scope or RegisterFilter())
        record(uow, svc, actor, "read", "adverse_event", None, count=len(entries))
        uow.commit()
        return entries


def complications(svc: Services, actor: User, scope: RegisterFilter) -> ComplicationsRegister:
    """Adverse events filtered by type, thread product or lot, and area, with rates per 100 procedures
    in the same scope ([DESIGN] AE-05)."""
    require(actor, Permission.REGISTER_READ)
    with svc.uow(logs_reads=True) as uow:
        entries = uow.registers.adverse_events(scope)
        procedures = uow.registers.procedures(scope)
        record(uow, svc, actor, "read", "adverse_event", None, count=len(entries), register=True)
        uow.commit()
    return complications_register(entries, procedures)
