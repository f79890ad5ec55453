"""The audit trail: who did what, append-only, each row chained to the one before by its hash.

Rows carry no patient data (ids and counts only). Editing a row breaks its own hash; inserting or
deleting one breaks the chain; deleting the last rows breaks the head. :func:`verify` finds the
first row where any of that happened.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from threadlift.store.tables import AuditHeadRow, AuditRow

GENESIS = "0" * 64


def row_hash(prev_hash: str, row_id: int, at: datetime, user_id: str | None, action: str, entity_type: str,
             entity_id: str | None, detail: dict[str, object]) -> str:
    payload = json.dumps([row_id, at.isoformat(), user_id, action, entity_type, entity_id, detail],
                         sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def append(session: Session, *, at: datetime, user_id: str | None, action: str, entity_type: str,
           entity_id: str | None = None, detail: dict[str, object] | None = None) -> AuditRow:
    """Add one row in the caller's transaction. The head row is locked (FOR UPDATE) while appending."""
    head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHeadRow(id=1, last_id=0, last_hash=GENESIS)
        session.add(head)
    row_id = head.last_id + 1
    details = detail or {}
    digest = row_hash(head.last_hash, row_id, at, user_id, action, entity_type, entity_id, details)
    row = AuditRow(id=row_id, at=at, user_id=user_id, action=action, entity_type=entity_type, entity_id=entity_id,
                   detail=details, prev_hash=head.last_hash, hash=digest)
    session.add(row)
    head.last_id, head.last_hash = row_id, digest
    return row


@dataclass(frozen=True)
class AuditProblem:
    row_id: int
    problem: str  # "edited", "inserted", "deleted"
    message: str


def verify(session: Session, batch: int = 5000) -> AuditProblem | None:
    """Walk the chain from the first row; return the first problem, or None when the trail is intact."""
    expected_id, previous = 1, GENESIS
    last_seen = 0
    while True:
        rows = session.execute(select(AuditRow).where(AuditRow.id > last_seen).order_by(AuditRow.id)
                               .limit(batch)).scalars().all()
        if not rows:
            break
        for row in rows:
            if row.id != expected_id:
                return AuditProblem(expected_id, "deleted",
                                    f"rows {expected_id}-{row.id - 1} are missing: deleted from the trail")
            if row.prev_hash != previous:
                return AuditProblem(row.id, "inserted",
                                    f"row {row.id} does not follow row {row.id - 1}: a row was inserted or replaced")
            at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)  # SQLite drops the zone; we wrote UTC
            if row.hash != row_hash(row.prev_hash, row.id, at, row.user_id, row.action, row.entity_type,
                                    row.entity_id, dict(row.detail)):
                return AuditProblem(row.id, "edited", f"row {row.id} was changed after it was written")
            previous, expected_id, last_seen = row.hash, row.id + 1, row.id
    head = session.get(AuditHeadRow, 1)
    if head is not None and (head.last_id != expected_id - 1 or head.last_hash != previous):
        return AuditProblem(expected_id, "deleted",
                            f"the trail ends at row {expected_id - 1} but row {head.last_id} was written: "
                            "rows were deleted from its end")
    return None

