"""Consistent copies of the database while it serves, and putting one back.

* SQLite: the online backup API copies the file in one step inside a read transaction; in WAL mode
  writers go on meanwhile, and the copy is the database as of the moment the step began.
* PostgreSQL: a REPEATABLE READ transaction exports its snapshot; the counts, the photo list and
  ``pg_dump --snapshot`` (custom format) all read that one snapshot, so they agree with each other
  while writes go on. ``pg_dump`` comes from ``THREADLIFT_PG_DUMP`` or the PATH, and also from
  Debian's ``/usr/lib/postgresql/<major>/bin`` when the one on the PATH is older than the server
  (pg_dump refuses a newer server). ``pg_restore`` is chosen the same way.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from threadlift.store.tables import Base

TABLES = tuple(table.name for table in Base.metadata.sorted_tables)


class SnapshotError(Exception):
    """The database could not be copied or put back; the message says what to do."""


@dataclass(frozen=True)
class Snapshot:
    kind: str  # "sqlite" or "postgresql"
    path: Path  # the copy: a SQLite file, or a pg_dump custom-format archive
    revision: str | None
    counts: dict[str, int]
    photos: dict[str, str]  # stored name -> SHA-256 of the stored bytes
    schema: str | None = None  # PostgreSQL: the schema copied
    tool_major: int | None = None  # PostgreSQL: pg_dump's major version


def is_postgresql(url: str) -> bool:
    return url.startswith("postgresql")


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


# ---- SQLite ---------------------------------------------------------------------------------------

def snapshot_sqlite(url: str, target: Path) -> Snapshot:
    source = sqlite_path(url)
    if not source.is_file():
        raise SnapshotError(f"there is no database file at {source}: check THREADLIFT_DATA_DIR")
    with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)  # one step: a consistent copy; writers go on beside it (WAL)
    return describe_sqlite(target)


def describe_sqlite(path: Path) -> Snapshot:
    with closing(sqlite3.connect(path)) as db:
        present = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = {t: int(db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in TABLES if t in present}
        revision = db.execute("SELECT version_num FROM alembic_version").fetchone()[0] \
            if "alembic_version" in present else None
        photos = dict(db.execute("SELECT stored_name, stored_sha256 FROM photos").fetchall()) \
            if "photos" in present else {}
    return Snapshot("sqlite", path, revision, counts, photos)


def sqlite_is_empty(url: str) -> bool:
    path = sqlite_path(url)
    if not path.exists() or path.stat().st_size == 0:
        return True
    with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:  # a look that writes nothing
        return int(db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]) == 0


# ---- PostgreSQL -----------------------------------------------------------------------------------

def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the PostgreSQL tools, and the environment that carries the password
    (never on a command line, where other users of the machine could read it)."""
    parsed: URL = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    bare = parsed.set(drivername="postgresql", password=None)
    return bare.render_as_string(hide_password=False), env


def _major(program: str) -> int | None:
    try:
        printed = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    found = re.search(r"\)\s+(\d+)", printed) or re.search(r"(\d+)\.\d+", printed)
    return int(found.group(1)) if found else None


def find_tool(name: str, *, at_least: int, prefer: int | None, configured: str | None) -> tuple[str, int]:
    """A PostgreSQL client program of major version ``at_least`` or newer (``prefer`` if there is one)."""
    if configured:
        major = _major(configured)
        if major is None:
            raise SnapshotError(f"THREADLIFT_PG_DUMP={configured} does not run (or is not {name})")
        if major < at_least:
            raise SnapshotError(f"{configured} is version {major}; the server needs {at_least} or newer: point "
                                f"THREADLIFT_PG_DUMP at a newer one (/usr/lib/postgresql/{at_least}/bin/{name})")
        return configured, major
    candidates = [p for p in [shutil.which(name)] if p] + sorted(
        str(p) for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    found = [(path, major) for path in candidates if (major := _major(path)) is not None]
    usable = [(p, m) for p, m in found if m >= at_least]
    if not usable:
        have = ", ".join(f"{p} ({m})" for p, m in found) or "none"
        raise SnapshotError(f"no {name} of version {at_least} or newer (found: {have}): install the PostgreSQL "
                            f"{at_least} client (Debian: apt-get install postgresql-client-{at_least}) or set "
                            "THREADLIFT_PG_DUMP")
    exact = [(p, m) for p, m in usable if m == prefer]
    return (exact or sorted(usable, key=lambda pm: pm[1]))[0 if exact else -1]


def snapshot_postgresql(url: str, target: Path, pg_dump: str | None = None) -> Snapshot:
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as connection:
            server = int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            exported = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            present = set(connection.execute(text(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")).scalars())
            counts = {t: int(connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
                      for t in TABLES if t in present}
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none() \
                if "alembic_version" in present else None
            photos = {r[0]: r[1] for r in connection.execute(text("SELECT stored_name, stored_sha256 FROM photos"))} \
                if "photos" in present else {}
            program, major = find_tool("pg_dump", at_least=server, prefer=server, configured=pg_dump)
            uri, env = libpq(url)
            done = subprocess.run([program, "--format=custom", f"--snapshot={exported}", f"--schema={schema}",
                                   "--no-owner", "--no-privileges", f"--file={target}", uri],
                                  capture_output=True, text=True, env=env, timeout=24 * 3600)
            if done.returncode != 0:
                raise SnapshotError(f"pg_dump failed: {_first_line(done.stderr)}")
            connection.rollback()  # the snapshot was only read
    finally:
        engine.dispose()
    return Snapshot("postgresql", target, revision, counts, photos, schema=schema, tool_major=major)


def postgresql_schema_state(url: str) -> tuple[str, int, int]:
    """(current schema, number of tables in it, server major version) of a restore target."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one_or_none()
            if schema is None:
                raise SnapshotError("the target database's search_path names no existing schema: create it first")
            tables = connection.execute(text("SELECT count(*) FROM information_schema.tables "
                                             "WHERE table_schema = current_schema()")).scalar_one()
            server = int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000
            return schema, int(tables), server
    finally:
        engine.dispose()


def restore_postgresql(dump: Path, url: str, *, dump_major: int, replace: bool, pg_restore: str | None = None) -> None:
    """Load ``dump`` into the target in one transaction (all of it or nothing); ``replace`` drops what
    the dump holds first, in the same transaction. The schema itself is the target's own."""
    _schema, _tables, server = postgresql_schema_state(url)
    program, _major_used = find_tool("pg_restore", at_least=dump_major, prefer=server,
                                     configured=pg_restore.replace("pg_dump", "pg_restore") if pg_restore else None)
    uri, env = libpq(url)
    listing = subprocess.run([program, "--list", str(dump)], capture_output=True, text=True, env=env, timeout=600)
    if listing.returncode != 0:
        raise SnapshotError(f"pg_restore cannot read the database copy: {_first_line(listing.stderr)}")
    entries = [line for line in listing.stdout.splitlines()
               if not re.search(r"\b(SCHEMA|COMMENT) - ", line)]  # the target's schema is kept as it is
    list_file = dump.with_suffix(".list")
    list_file.write_text("\n".join(entries) + "\n")
    command = [program, "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
               f"--use-list={list_file}", f"--dbname={uri}", str(dump)]
    if replace:
        command[1:1] = ["--clean", "--if-exists"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=24 * 3600)
    list_file.unlink(missing_ok=True)
    if done.returncode != 0:
        raise SnapshotError(f"pg_restore failed, nothing was changed: {_first_line(done.stderr)}")


@contextmanager
def private_temporary(folder: Path, name: str) -> Iterator[Path]:
    """A temporary file (0600) in ``folder`` (the data folder: private), removed afterwards; those of
    a process that was killed are removed first."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for stale in folder.glob(f".{name}.*.tmp"):
        pid = stale.name.split(".")[-2]
        if pid.isdigit() and not _running(int(pid)):
            stale.unlink(missing_ok=True)
    path = folder / f".{name}.{os.getpid()}.tmp"
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _first_line(text_: str) -> str:
    lines = [line.strip() for line in text_.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no message"
