"""Unit of work: one transaction per use case; rolls back unless the use case commits."""

from __future__ import annotations

import re
import threading
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from threadlift.clinic.errors import Conflict, RecordLocked
from threadlift.store import audit
from threadlift.store.appointments import SqlAppointmentRepository
from threadlift.store.idempotency import SqlIdempotency
from threadlift.store.portal import SqlOutbox, SqlPortalRepository
from threadlift.store.registers import SqlRegisters
from threadlift.store.repository import (
    SqlConsentRepository,
    SqlEpisodeRepository,
    SqlLotRepository,
    SqlPatientRepository,
    SqlPhotoRepository,
)
from threadlift.store.users import SignInCounters, UserRepository

_SQLITE_WRITER = threading.RLock()

# Constraints a request can run into, in words that say what to do (by table and columns).
_CONFLICTS = {
    ("thread_lots", ("lot", "product")): "this product's lot number is already recorded: find it in the stock list",
    ("users", ("username",)): "the user name is taken: choose another",
}


def conflict(error: IntegrityError) -> Conflict | RecordLocked:
    """A constraint the database refused, as the domain's :class:`Conflict` naming the table and columns
    (never the values: they may be a patient's); a record the store's triggers lock (migration 0010), as
    :class:`RecordLocked`."""
    text = str(error.orig)
    locked = re.search(r"record_locked: ([^\n(]+)", text)
    if locked:
        return RecordLocked(locked.group(1).strip())
    table = ""
    columns: tuple[str, ...] = ()
    found = re.search(r"(?:UNIQUE|NOT NULL|FOREIGN KEY) constraint failed: ([\w., ]+)", text)
    if found:  # SQLite: "UNIQUE constraint failed: thread_lots.product, thread_lots.lot"
        parts = [p.strip().split(".") for p in found.group(1).split(",")]
        table, columns = parts[0][0], tuple(sorted(p[-1] for p in parts))
    diag = getattr(error.orig, "diag", None)
    if diag is not None and getattr(diag, "table_name", None):  # PostgreSQL
        table = diag.table_name
        key = re.search(r"Key \(([^)]*)\)", getattr(diag, "message_detail", "") or "")
        columns = tuple(sorted(c.strip() for c in key.group(1).split(","))) if key else ()
    words = _CONFLICTS.get((table, columns))
    if words is None:
        what = f"{table} ({', '.join(columns)})" if table else "a stored record"
        words = f"this clashes with {what} already stored; reload and try again"
    return Conflict(words)


class SqlUnitOfWork:
    """``read_only``: reads only, queueing for no write lock: on SQLite in a deferred transaction, on
    PostgreSQL in autocommit (each statement sees the latest commits; no BEGIN and ROLLBACK).

    ``logs_reads``: reads records and logs that it did. The reads run as in a read-only unit; the
    audit rows wait until :meth:`commit` appends them. So the audit chain's head (one row that every
    writer locks) is held for the append alone, not for the whole read, and concurrent readers queue
    only for that. The caller commits before it returns what it read, so nothing is disclosed
    without its audit row.
    """

    def __init__(self, factory: sessionmaker[Session], *, read_only: bool = False, logs_reads: bool = False) -> None:
        self._factory = factory
        self._read_only = read_only or logs_reads
        self._logs_reads = logs_reads
        self._pending_audit: list[dict[str, Any]] = []
        self._holds_writer = False

    def __enter__(self) -> Self:
        self.session = self._factory()
        self._dialect = self.session.get_bind().dialect.name
        if self._read_only and self._dialect == "postgresql":
            # Each read its own statement, with no BEGIN and ROLLBACK round trips around it.
            self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        elif self._read_only:
            # On SQLite a read-only unit opens a deferred transaction and does not queue for the write lock.
            self.session.connection(execution_options={"read_only": True})
        else:
            self._take_writer()
        self.patients = SqlPatientRepository(self.session)
        self.episodes = SqlEpisodeRepository(self.session)
        self.lots = SqlLotRepository(self.session)
        self.consents = SqlConsentRepository(self.session)
        self.photos = SqlPhotoRepository(self.session)
        self.users = UserRepository(self.session)
        self.sign_ins = SignInCounters(self.session)
        self.registers = SqlRegisters(self.session)
        self.audit = audit.AuditLog(self.session)
        self.portal = SqlPortalRepository(self.session)
        self.outbox = SqlOutbox(self.session)
        self.idempotency = SqlIdempotency(self.session)
        self.appointments = SqlAppointmentRepository(self.session)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            self.session.rollback()
            self.session.close()
        finally:
            self._release_writer()
        if isinstance(error, IntegrityError):  # a flush inside the unit hit a constraint: a 409, never a 500
            raise conflict(error) from error

    def log(self, *, at: datetime, user_id: str | None, action: str, entity_type: str, entity_id: str | None,
            detail: dict[str, object]) -> None:
        """Append to the audit trail: now, in this unit's transaction; or, for a unit that logs
        reads, at commit."""
        row: dict[str, Any] = {"at": at, "user_id": user_id, "action": action, "entity_type": entity_type,
                               "entity_id": entity_id, "detail": detail}
        if self._logs_reads:
            self._pending_audit.append(row)
        else:
            audit.append(self.session, **row)

    def commit(self) -> None:
        if not self._logs_reads:
            try:
                self.session.commit()
            except IntegrityError as error:
                raise conflict(error) from error
            return
        if self._dialect == "postgresql":
            # The session is in autocommit: one statement locks the audit head, appends the rows and
            # commits, so the head is held for no round trip at all.
            audit.append_reads(self.session, self._pending_audit)
        elif self._pending_audit:
            # SQLite: the reads' snapshot cannot become a write once another writer has committed:
            # end it, and append in a transaction that starts with the write lock.
            self.session.rollback()
            self._take_writer()
            audit.append_reads(self.session, self._pending_audit)
            self.session.commit()
            self._release_writer()
        self._pending_audit.clear()

    def schema_revision(self) -> str | None:
        revision = self.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
        return None if revision is None else str(revision)

    def _take_writer(self) -> None:
        if self._dialect == "sqlite" and not self._holds_writer:
            # SQLite has one writer at a time; threads that wait on its lock sleep in growing steps
            # (up to 100 ms). Queueing them on a mutex instead wakes the next one as soon as it frees.
            _SQLITE_WRITER.acquire()
            self._holds_writer = True

    def _release_writer(self) -> None:
        if self._holds_writer:
            self._holds_writer = False
            _SQLITE_WRITER.release()


class SqlUnitOfWorkFactory:
    """Units of work on one database (the composition root makes one per engine)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def __call__(self, *, read_only: bool = False, logs_reads: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, read_only=read_only, logs_reads=logs_reads)

    def close(self) -> None:
        """Close the database connections (a server at shutdown, a test at its end)."""
        self.sessions.kw["bind"].dispose()

    @property
    def in_process(self) -> bool:
        """SQLite: the database is a file this process reads itself, with no network between."""
        return bool(self.sessions.kw["bind"].dialect.name == "sqlite")
