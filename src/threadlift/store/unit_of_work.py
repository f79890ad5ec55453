"""Unit of work: one transaction per use case; rolls back unless the use case commits."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

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
    def __init__(self, factory: sessionmaker[Session], *, read_only: bool = False, logs_reads: bool = False) -> None:
        self._factory = factory
        self._read_only = read_only
        self._logs_reads = logs_reads
        self._holds_writer = False

    def __enter__(self) -> Self:
        self.session = self._factory()
        bind = self.session.get_bind()
        if not self._read_only and bind.dialect.name == "sqlite":
            # SQLite has one writer at a time; threads that wait on its lock sleep in growing steps
            # (up to 100 ms). Queueing them on a mutex instead wakes the next one as soon as it frees.
            _SQLITE_WRITER.acquire()
            self._holds_writer = True
        if self._logs_reads and bind.dialect.name == "postgresql":
            # A unit that only records who read what need not wait for the disk flush: PostgreSQL keeps
            # the commit order, and the next data-changing commit (always flushed) flushes it too. At
            # worst a crash loses the last fraction of a second of read records; never a change.
            self.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        if self._read_only:
            # On SQLite a read-only unit opens a deferred transaction and does not queue for the write lock.
            self.session.connection(execution_options={"read_only": True})
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
            if self._holds_writer:
                self._holds_writer = False
                _SQLITE_WRITER.release()

    def commit(self) -> None:
        self.session.commit()
