"""The registers as CSV files, filtered as on screen: the same use cases as the pages, then an audit row
of the export (counts only)."""

from __future__ import annotations

from datetime import date

from threadlift.clinic.registers import RegisterFilter
from threadlift.clinic.staff import User
from threadlift.interop.csv_registers import to_csv
from threadlift.services import aftercare, audit, registers, stock
from threadlift.services.base import Services, record


def _logged(svc: Services, actor: User, register: str, count: int, **filters: object) -> None:
    with svc.uow(logs_reads=True) as uow:
        record(uow, svc, actor, "export", "register", register, format="csv", rows=count,
               **{k: v for k, v in filters.items() if v not in (None, "")})
        uow.commit()


def complications_csv(svc: Services, actor: User, scope: RegisterFilter) -> str:
    register = registers.complications(svc, actor, scope)
    text = to_csv(["onset_on", "type", "area", "serious", "severity", "clavien_dindo", "tier", "outcome", "lots",
                   "products", "episode_id", "patient_id", "event_id"],
                  [[r.onset_on, r.type, r.area, r.serious, r.severity, r.clavien_dindo, r.tier, r.outcome, r.lots,
                    r.products, r.episode_id, r.patient_id, r.event_id] for r in register.rows])
    _logged(svc, actor, "complications", len(register.rows), type=scope.event_type, product=scope.product,
            lot=scope.lot, area=scope.area)
    return text


def recall_csv(svc: Services, actor: User, lot_number: str) -> str:
    recipients = stock.recall(svc, actor, lot_number)
    text = to_csv(["lot", "patient_name", "date_of_birth", "placed_at", "area", "side", "vector", "patient_id",
                   "episode_id"],
                  [[lot_number, r.patient_name, r.date_of_birth, r.placed_at, r.area, r.side, r.vector, r.patient_id,
                    r.episode_id] for r in recipients])
    _logged(svc, actor, "lot_recall", len(recipients), lot=lot_number)
    return text


def follow_ups_due_csv(svc: Services, actor: User, *, on: date | None = None, within_days: int = 7) -> str:
    due = aftercare.follow_ups_due(svc, actor, on=on, within_days=within_days, logged=False)
    text = to_csv(["due_on", "overdue", "patient_name", "follow_up", "kind", "patient_id", "episode_id"],
                  [[f.due_on, f.overdue, f.patient_name, f.name, f.kind, f.patient_id, f.episode_id] for f in due])
    _logged(svc, actor, "follow_ups_due", len(due), within_days=within_days)
    return text


def audit_csv(svc: Services, actor: User, *, after_id: int = 0) -> str:
    """The trail from ``after_id`` on, read page by page."""
    rows = []
    cursor = after_id
    while True:
        page = audit.audit_trail(svc, actor, after_id=cursor, limit=audit.MAX_PAGE, logged=False)
        rows += page
        if len(page) < audit.MAX_PAGE:
            break
        cursor = page[-1].id
    text = to_csv(["id", "at", "user_id", "action", "entity_type", "entity_id", "detail", "hash"],
                  [[r.id, r.at, r.user_id, r.action, r.entity_type, r.entity_id, r.detail, r.hash] for r in rows])
    _logged(svc, actor, "audit_trail", len(rows), after_id=after_id)
    return text
