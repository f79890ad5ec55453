"""Idempotent requests: the first answer to a request, kept for a retry of it (a day)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from threadlift.store.tables import IdempotentRequestRow

KEEP = timedelta(days=1)


@dataclass(frozen=True)
class Remembered:
    fingerprint: str
    done: bool
    status_code: int | None
    headers: list[tuple[str, str]]
    body: bytes


class SqlIdempotency:
    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, key: str, fingerprint: str, at: datetime) -> Remembered | None:
        """Take ``key`` for a request now starting (None), or what an earlier request with it left."""
        self.session.execute(delete(IdempotentRequestRow).where(IdempotentRequestRow.created_at < at - KEEP))
        row = self.session.get(IdempotentRequestRow, key)
        if row is None:
            try:
                with self.session.begin_nested():
                    self.session.add(IdempotentRequestRow(key=key, fingerprint=fingerprint, state="pending",
                                                          created_at=at))
                return None
            except IntegrityError:  # another request with this key began at the same moment
                row = self.session.get(IdempotentRequestRow, key, populate_existing=True)
                if row is None:
                    raise
        return Remembered(row.fingerprint, row.state == "done", row.status_code,
                          [(name, value) for name, value in row.headers or []], row.body or b"")

    def complete(self, key: str, status_code: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.session.execute(update(IdempotentRequestRow).where(IdempotentRequestRow.key == key).values(
            state="done", status_code=status_code, headers=[list(h) for h in headers], body=body))

    def release(self, key: str) -> None:
        self.session.execute(delete(IdempotentRequestRow).where(IdempotentRequestRow.key == key))
