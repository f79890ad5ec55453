"""Unit of work: one transaction per use case; rolls back unless the use case commits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from types import TracebackType
from typing import Self

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from threadlift.store import audit
from threadlift.store.repository import (
    ConsentRepository,
    EpisodeRepository,
    LotRepository,
    PatientRepository,
    PhotoRepository,
)
from threadlift.store.users import UserRepository

_SQLITE_WRITER = threading.RLock()  # re-entrant: a nested unit in one thread times out instead of hanging


class UnitOfWork:
    """``read_only``: reads only, in a transaction that queues for no write lock.

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
        self._pending_audit: list[Callable[[Session], object]] = []
        self._holds_writer = False

    def __enter__(self) -> Self:
        self.session = self._factory()
        if self._read_only:
            # On SQLite a read-only unit opens a deferred transaction and does not queue for the write lock.
            self.session.connection(execution_options={"read_only": True})
        else:
            self._take_writer()
        self.patients = PatientRepository(self.session)
        self.episodes = EpisodeRepository(self.session)
        self.lots = LotRepository(self.session)
        self.consents = ConsentRepository(self.session)
        self.photos = PhotoRepository(self.session)
        self.users = UserRepository(self.session)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            self.session.rollback()
            self.session.close()
        finally:
            self._release_writer()

    def log(self, *, at: datetime, user_id: str | None, action: str, entity_type: str, entity_id: str | None,
            detail: dict[str, object]) -> None:
        """Append to the audit trail: now, in this unit's transaction; or, for a unit that logs
        reads, at commit."""
        append = partial(audit.append, at=at, user_id=user_id, action=action, entity_type=entity_type,
                         entity_id=entity_id, detail=detail)
        if self._logs_reads:
            self._pending_audit.append(append)
        else:
            append(self.session)

    def commit(self) -> None:
        if not self._logs_reads:
            self.session.commit()
            return
        if not self._pending_audit:
            self.session.rollback()  # the reads changed nothing
            return
        if self.session.get_bind().dialect.name == "sqlite":
            # The reads' snapshot cannot become a write once another writer has committed: end it,
            # and append in a transaction that starts with the write lock.
            self.session.rollback()
            self._take_writer()
        else:
            # PostgreSQL appends in the reads' own transaction: the head row is locked from here to
            # the commit, and one connection serves the whole unit. A transaction that only records
            # who read what need not wait for the disk flush: PostgreSQL keeps the commit order, and
            # the next data-changing commit (always flushed) flushes it too. At worst a crash loses
            # the last fraction of a second of read records; never a change.
            self.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        for append in self._pending_audit:
            append(self.session)
        self.session.commit()
        self._pending_audit.clear()
        self._release_writer()

    def _take_writer(self) -> None:
        if self.session.get_bind().dialect.name == "sqlite" and not self._holds_writer:
            # SQLite has one writer at a time; threads that wait on its lock sleep in growing steps
            # (up to 100 ms). Queueing them on a mutex instead wakes the next one as soon as it frees.
            _SQLITE_WRITER.acquire()
            self._holds_writer = True

    def _release_writer(self) -> None:
        if self._holds_writer:
            self._holds_writer = False
            _SQLITE_WRITER.release()
