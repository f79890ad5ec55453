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
from typing import Any, cast

from sqlalchemy import JSON, Table, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from threadlift.store.tables import AuditHeadRow, AuditRow, UTCDateTime

GENESIS = "0" * 64


def row_hash(prev_hash: str, row_id: int, at: datetime, user_id: str | None, action: str, entity_type: str,
             entity_id: str | None, detail: dict[str, object]) -> str:
    """sha256 of the previous hash and the JSON list [id, at, user, action, type, entity, detail]."""
    payload = f"[{row_id}," + _after_id(at, user_id, action, entity_type, entity_id, detail)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def canonical_time(at: datetime) -> str:
    """The instant as hashed: ISO 8601 in UTC, whatever offset it was given in or the database's session
    returns it in (PostgreSQL answers in the session's TimeZone; SQLite drops the zone, and we write UTC)."""
    return (at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)).isoformat()


def _after_id(at: datetime, user_id: str | None, action: str, entity_type: str, entity_id: str | None,
              detail: dict[str, object]) -> str:
    """The hashed JSON list after "[id,": the part known before the row's place in the chain is."""
    return json.dumps([canonical_time(at), user_id, action, entity_type, entity_id, detail],
                      sort_keys=True, default=str, separators=(",", ":"))[1:]


# Built once: every read of a record appends, and building and caching statements per call cost
# more than the read itself. Executed on the session's connection, past the ORM.
_HEAD = cast(Table, AuditHeadRow.__table__)
_LOCK_HEAD = select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_ROW = insert(cast(Table, AuditRow.__table__))
_INSERT_HEAD = insert(_HEAD)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1)


# PostgreSQL appends in one statement: it locks the head, hashes (the same bytes as row_hash), moves
# the head and inserts the row. The head stays locked until the transaction ends, so the transaction
# should end straight after; no round trip to Python sits between the lock and the append.
_POSTGRESQL_APPEND = """
WITH head AS (SELECT last_id, last_hash FROM audit_head WHERE id = 1 FOR UPDATE),
moved AS (
    UPDATE audit_head SET last_id = head.last_id + 1,
        last_hash = encode(sha256(convert_to(
            head.last_hash || '[' || (head.last_id + 1)::text || ',' || :after_id, 'UTF8')), 'hex')
    FROM head WHERE audit_head.id = 1
    RETURNING audit_head.last_id, audit_head.last_hash, head.last_hash AS prev_hash)
INSERT INTO audit_log (id, at, user_id, action, entity_type, entity_id, detail, prev_hash, hash)
SELECT last_id, :at, :user_id, :action, :entity_type, :entity_id, :detail, prev_hash, last_hash FROM moved{commit}
RETURNING hash
"""
_TYPES = (bindparam("at", type_=UTCDateTime), bindparam("detail", type_=JSON))
_APPEND_IN_POSTGRESQL = text(_POSTGRESQL_APPEND.format(commit="")).bindparams(*_TYPES)
# A row that records a read, as a statement of its own outside any transaction, committed without
# waiting for the disk flush (the setting lasts to the end of this statement's own transaction):
# PostgreSQL keeps the commit order, and the next data-changing commit (always flushed) flushes it
# too. At worst a crash loses the last fraction of a second of read records; never a change.
_APPEND_READ_IN_POSTGRESQL = text(_POSTGRESQL_APPEND.format(
    commit=", (SELECT set_config('synchronous_commit', 'off', true)) AS flush_later")).bindparams(*_TYPES)


# Several rows of reads in one statement (a page that shows an episode logs reads of the episode, the patient,
# its photos...): the chain is hashed row by row in a recursive query, each row after the one before, from
# the locked head; the head moves to the last. Committed like a single read's row, without the disk flush.
_APPEND_READS_IN_POSTGRESQL = text("""
WITH RECURSIVE head AS (SELECT last_id, last_hash FROM audit_head WHERE id = 1 FOR UPDATE),
given AS (SELECT * FROM json_to_recordset(CAST(:rows AS json)) AS r(
    n integer, at timestamptz, user_id text, action text, entity_type text, entity_id text, detail json,
    after_id text)),
chain AS (
    SELECT 0 AS n, last_id AS id, CAST(last_hash AS text) AS hash, CAST(NULL AS text) AS prev_hash FROM head
    UNION ALL
    SELECT chain.n + 1, chain.id + 1,
        encode(sha256(convert_to(chain.hash || '[' || (chain.id + 1)::text || ',' || given.after_id, 'UTF8')), 'hex'),
        chain.hash
    FROM chain JOIN given ON given.n = chain.n + 1),
newest AS (SELECT id, hash FROM chain ORDER BY n DESC LIMIT 1),
moved AS (UPDATE audit_head SET last_id = newest.id, last_hash = newest.hash FROM newest WHERE audit_head.id = 1
          RETURNING audit_head.last_id)
INSERT INTO audit_log (id, at, user_id, action, entity_type, entity_id, detail, prev_hash, hash)
SELECT chain.id, given.at, given.user_id, given.action, given.entity_type, given.entity_id, given.detail,
    chain.prev_hash, chain.hash
FROM chain JOIN given ON given.n = chain.n CROSS JOIN moved,
    (SELECT set_config('synchronous_commit', 'off', true)) AS flush_later
RETURNING hash
""")


def append_reads(session: Session, rows: list[dict[str, Any]]) -> None:
    """Rows that record reads (each the keyword arguments of :func:`append`), in order. On PostgreSQL, a
    session in autocommit: one statement appends and commits them all (like ``of_a_read``); elsewhere, in
    the caller's transaction, one after another."""
    connection = session.connection()
    if connection.dialect.name != "postgresql" or len(rows) < 2:
        for row in rows:
            append(session, **row, of_a_read=connection.dialect.name == "postgresql")
        return
    given = []
    for n, row in enumerate(rows, start=1):
        fields = {**row, "entity_id": row.get("entity_id"), "detail": row.get("detail") or {}}
        given.append({**fields, "n": n, "at": canonical_time(row["at"]), "after_id": _after_id(**fields)})
    appended = connection.execute(_APPEND_READS_IN_POSTGRESQL, {"rows": json.dumps(given, default=str)}).all()
    if len(appended) != len(rows):
        raise RuntimeError("the audit trail has no head row: run `threadlift db upgrade`")


def append(session: Session, *, at: datetime, user_id: str | None, action: str, entity_type: str,
           entity_id: str | None = None, detail: dict[str, object] | None = None, of_a_read: bool = False) -> str:
    """Add one row in the caller's transaction; returns its hash. The head row is locked (FOR UPDATE)
    until the transaction ends. ``of_a_read`` (PostgreSQL, a session in autocommit): the row of a
    read, committed by its own statement without waiting for the disk."""
    connection = session.connection()
    details = detail or {}
    if connection.dialect.name == "postgresql":
        statement = _APPEND_READ_IN_POSTGRESQL if of_a_read else _APPEND_IN_POSTGRESQL
        digest = connection.execute(statement, {
            "at": at, "user_id": user_id, "action": action, "entity_type": entity_type, "entity_id": entity_id,
            "detail": details, "after_id": _after_id(at, user_id, action, entity_type, entity_id, details)}).scalar()
        if digest is not None:
            return str(digest)
        if of_a_read:  # the steps below must not run one by one outside a transaction
            raise RuntimeError("the audit trail has no head row: run `threadlift db upgrade`")
        # no head yet (a database older than migration 0002): the first row of the trail, below
    head = connection.execute(_LOCK_HEAD).first()
    last_id, last_hash = (head.last_id, head.last_hash) if head else (0, GENESIS)
    row_id = last_id + 1
    digest = row_hash(last_hash, row_id, at, user_id, action, entity_type, entity_id, details)
    connection.execute(_INSERT_ROW, {"id": row_id, "at": at, "user_id": user_id, "action": action,
                                     "entity_type": entity_type, "entity_id": entity_id, "detail": details,
                                     "prev_hash": last_hash, "hash": digest})
    connection.execute(_INSERT_HEAD if head is None else _MOVE_HEAD,
                       {"id": 1, "last_id": row_id, "last_hash": digest} if head is None
                       else {"last_id": row_id, "last_hash": digest})
    return digest


@dataclass(frozen=True)
class AuditEntry:
    """One row of the trail as shown to an auditor (no patient data: ids and counts only)."""

    id: int
    at: datetime
    user_id: str | None
    action: str
    entity_type: str
    entity_id: str | None
    detail: dict[str, object]
    hash: str


@dataclass(frozen=True)
class AuditProblem:
    row_id: int
    problem: str  # "edited", "inserted", "deleted"
    message: str


def verify(session: Session, batch: int = 5000) -> AuditProblem | None:
    """Walk the chain from the first row; return the first problem, or None when the trail is intact.

    The head is read first and the walk stops at it, so rows appended while it runs (each moves the
    head in its own transaction) are left for the next check; it needs no snapshot and no lock, and
    writers are never held up. A row beyond the head as read at the end was not appended by the
    trail's own protocol."""
    start = session.get(AuditHeadRow, 1)
    last_id = start.last_id if start is not None else None
    expected_id, previous = 1, GENESIS
    while True:
        query = select(AuditRow).where(AuditRow.id >= expected_id).order_by(AuditRow.id).limit(batch)
        if last_id is not None:
            query = query.where(AuditRow.id <= last_id)
        rows = session.execute(query).scalars().all()
        if not rows:
            break
        for row in rows:
            if row.id != expected_id:
                return AuditProblem(expected_id, "deleted",
                                    f"rows {expected_id}-{row.id - 1} are missing: deleted from the trail")
            if row.prev_hash != previous:
                return AuditProblem(row.id, "inserted",
                                    f"row {row.id} does not follow row {row.id - 1}: a row was inserted or replaced")
            if row.hash != row_hash(row.prev_hash, row.id, row.at, row.user_id, row.action, row.entity_type,
                                    row.entity_id, dict(row.detail)):
                return AuditProblem(row.id, "edited", f"row {row.id} was changed after it was written")
            previous, expected_id = row.hash, row.id + 1
    if start is not None and (start.last_id != expected_id - 1 or start.last_hash != previous):
        return AuditProblem(expected_id, "deleted",
                            f"the trail ends at row {expected_id - 1} but row {start.last_id} was written: "
                            "rows were deleted from its end")
    session.expire_all()
    end = session.get(AuditHeadRow, 1)
    stray = None if end is None else session.execute(
        select(AuditRow.id).where(AuditRow.id > end.last_id).order_by(AuditRow.id).limit(1)).scalar()
    if stray is not None:
        return AuditProblem(stray, "inserted", f"row {stray} lies beyond the trail's head: it was not appended "
                                               "by ThreadLift")
    return None


class AuditLog:
    """The trail, read: for the audit pages and the API (appends go through :func:`append`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def entries(self, *, after_id: int = 0, limit: int = 200) -> list[AuditEntry]:
        rows = self.session.execute(select(AuditRow).where(AuditRow.id > after_id).order_by(AuditRow.id)
                                    .limit(limit)).scalars()
        return [_entry(r) for r in rows]

    def recent(self, count: int) -> list[AuditEntry]:
        """The newest ``count`` rows, newest first."""
        rows = self.session.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(count)).scalars()
        return [_entry(r) for r in rows]

    def verify(self) -> AuditProblem | None:
        return verify(self.session)


def _entry(row: AuditRow) -> AuditEntry:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)  # SQLite drops the zone; we wrote UTC
    return AuditEntry(row.id, at, row.user_id, row.action, row.entity_type, row.entity_id, dict(row.detail), row.hash)
