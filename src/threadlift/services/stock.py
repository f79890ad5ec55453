"""Thread stock: lots received, what is left of each, and who received threads from a lot (recall)."""

from __future__ import annotations

from threadlift.clinic.errors import ExpiredLot, NotFound
from threadlift.clinic.registers import LotStock, Recipient
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.clinic.threads import ThreadLot
from threadlift.services.base import Services, record, require
from threadlift.services.commands import ReceiveLot


def receive_lot(svc: Services, actor: User, command: ReceiveLot) -> ThreadLot:
    require(actor, Permission.LOTS_WRITE)
    lot = ThreadLot(**command.lot.model_dump())
    if lot.expired_on(svc.today()):
        raise ExpiredLot(f"lot {lot.lot} expired on {lot.expiry.isoformat()}: an expired lot is not received into "
                         "stock; check the date on the packet, or return the lot to the supplier")
    with svc.uow() as uow:
        uow.lots.add(lot)
        record(uow, svc, actor, "create", "thread_lot", lot.id, quantity=lot.quantity_received)
        uow.commit()
    return lot


def lots(svc: Services, actor: User) -> list[LotStock]:
    """Every lot with what is left of it, soonest expiry first."""
    require(actor, Permission.LOTS_READ)
    with svc.uow(read_only=True) as uow:
        return uow.lots.all()


def products(svc: Services, actor: User) -> list[str]:
    require(actor, Permission.LOTS_READ)
    with svc.uow(read_only=True) as uow:
        return uow.lots.products()


def recall(svc: Services, actor: User, lot_number: str) -> list[Recipient]:
    """Everyone who received a thread from lot ``lot_number`` (any case), with where it was placed. A lot
    number never received is refused (NotFound), unlike a lot from which no patient received a thread."""
    require(actor, Permission.REGISTER_READ)
    with svc.uow(logs_reads=True) as uow:
        if not any(s.lot.lot.lower() == lot_number.lower() for s in uow.lots.all()):
            raise NotFound(f"no lot numbered {lot_number} was ever received into stock: check the number on the "
                           "packet or the recall notice")
        recipients = uow.registers.lot_recipients(lot_number)
        record(uow, svc, actor, "recall", "thread_lot", lot_number, patients=len({r.patient_id for r in recipients}))
        uow.commit()
        return recipients
