"""Engines and sessions. Created by the composition root, never at import time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

# A connection for every thread that may hold one at once: the server's thread pool (anyio's 40 workers)
# and the event loop, which reads a session on SQLite (web/deps.py) and must never queue for a connection.
# A SQLite connection is a file handle, so holding this many costs little.
SQLITE_POOL_SIZE = 48


def make_engine(url: str, **options: Any) -> Engine:
    if url.startswith("sqlite"):
        pooling = {} if "poolclass" in options else {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 8}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **pooling, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    pooling = {} if "poolclass" in options else {"pool_size": 10, "max_overflow": 20, "pool_pre_ping": True}
    return create_engine(url, **pooling, **options)


def listed_photos(url: str, limit: int | None = None) -> set[str]:
    """The stored names of the photos the database lists (none before its first migration), at most
    ``limit`` of them: one short connection of its own."""
    from threadlift.store.tables import PhotoRow

    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(PhotoRow.__tablename__):
                return set()
            return set(connection.execute(select(PhotoRow.stored_name).limit(limit)).scalars())
    finally:
        engine.dispose()


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event open transactions (below) instead of the driver's lazy BEGIN.
    connection.isolation_level = None
    cursor = connection.cursor()
    # WAL lets readers run beside the writer; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock when a transaction starts. Nearly every use case appends to the audit
    chain; a deferred transaction that read first could not then write after another one committed,
    and the chain must never fork. Transactions are short, so they simply queue (30 s timeout).
    Units of work that only read (``read_only`` execution option) start deferred."""
    read_only = connection.get_execution_options().get("read_only", False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
