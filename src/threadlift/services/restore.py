"""Restoring a backup (see :mod:`threadlift.services.backup` for what an archive holds).

Nothing of the clinic is touched until the whole archive has been read and every hash checked: it
is unpacked into a private staging folder beside the target (photos sealed again under the target's
key as they arrive), migrated if it is older, then put in place in one step. On SQLite that step is
an atomic exchange of the folders (Linux ``renameat2``); on PostgreSQL, one pg_restore transaction,
then the photo folder's exchange, with a note on disk so that an interruption between the two is
finished by the next start (:func:`finish_interrupted_restore`, called by the composition root).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from threadlift.config import ConfigurationError, Settings, VaultKeys, save_new_key, vault_keys
from threadlift.services.backup import (
    BackupRefused,
    Description,
    Progress,
    Unpacked,
    quiet,
    read_archive,
    refuse_newer,
)
from threadlift.store import migrate
from threadlift.store.archive import ArchiveError, Identity
from threadlift.store.db import listed_photos
from threadlift.store.keys import sync_directory
from threadlift.store.snapshot import (
    SnapshotError,
    describe_sqlite,
    is_postgresql,
    postgresql_schema_state,
    restore_postgresql,
    sqlite_is_empty,
    sqlite_path,
)
from threadlift.store.vault import PhotoVault

PENDING_NOTE = ".restore-pending.json"


@dataclass(frozen=True)
class RestoreResult:
    target: str
    photos: int
    counts: dict[str, int]
    migrated_from: str | None
    key_created: Path | None
    seconds: float


def target_in_use(settings: Settings) -> list[str]:
    """What the target already holds (empty: a restore may go ahead without --replace)."""
    held = []
    if is_postgresql(settings.database_url):
        try:
            _schema, tables, _server = postgresql_schema_state(settings.database_url)
        except SnapshotError as error:
            raise BackupRefused(str(error)) from None
        if tables:
            held.append(f"the database holds {tables} table(s)")
    elif not sqlite_is_empty(settings.database_url):
        held.append(f"the database {sqlite_path(settings.database_url)} has tables")
    if settings.photo_dir.is_dir() and any(settings.photo_dir.iterdir()):
        held.append(f"{settings.photo_dir} holds photos")
    if not is_postgresql(settings.database_url) and settings.data_dir.is_dir():
        others = [p.name for p in settings.data_dir.iterdir() if p.name not in ("photos", "threadlift.db")]
        if others:
            held.append(f"{settings.data_dir} holds other files ({', '.join(sorted(others)[:3])})")
    return held


def restore_backup(archive: Path, identity: Identity, settings: Settings, *, replace: bool,
                   progress: Progress = quiet) -> RestoreResult:
    started = time.perf_counter()
    finish_interrupted_restore(settings)
    held = target_in_use(settings)
    if held and not replace:
        raise BackupRefused(f"the target is not empty ({'; '.join(held)}): restore into an empty one, or replace "
                            "it with --replace")
    postgresql = is_postgresql(settings.database_url)
    keys = vault_keys(settings, create=True, replacing=True, write=False)  # a new key is written only at the end
    parent = settings.data_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    for stale in parent.glob(f".{settings.data_dir.name}.restore-*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a restore that was killed: never put in place
    staging = parent / f".{settings.data_dir.name}.restore-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    try:
        vault = PhotoVault(staging / "photos", keys.ring)

        def kind_matches(description: Description) -> None:
            refuse_newer(description)
            kind = description.database.get("kind")
            if (kind == "postgresql") != postgresql:
                where = "a PostgreSQL database (--into postgresql://...)" if kind == "postgresql" else "a folder"
                raise BackupRefused(f"this backup holds a {kind} database: restore it into {where}")

        def unpack_database(description: Description, stream: IO[bytes]) -> Path:
            path = staging / ("database.pgdump" if postgresql else "threadlift.db")
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                shutil.copyfileobj(stream, handle, 1 << 20)
            return path

        unpacked = read_archive(archive, identity, on_header=kind_matches, on_database=unpack_database,
                                on_photo=lambda name, data: _put_sealed(vault, name, data), progress=progress)
        description = unpacked.description
        if unpacked.database is None:
            raise ArchiveError("the backup holds no database copy")
        revision = description.revision
        if postgresql:
            return _put_postgresql_in_place(unpacked, staging, settings, replace, keys, started)
        copy = describe_sqlite(unpacked.database)
        if copy.counts != description.counts or set(copy.photos) != set(unpacked.photos):
            raise ArchiveError("the database copy disagrees with the manifest's counts: the backup is damaged")
        progress("migrating", 0, 1)
        migrate.upgrade(f"sqlite:///{unpacked.database}")
        vault.sync()
        sync_directory(staging)
        save_new_key(keys)  # every check passed: the restored photos need it from now on
        _exchange_into_place(staging, settings.data_dir)
        return RestoreResult(str(settings.data_dir), len(unpacked.photos), description.counts,
                             revision if revision != migrate.head() else None, keys.created,
                             time.perf_counter() - started)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _put_sealed(vault: PhotoVault, name: str, data: bytes) -> None:
    vault.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(vault.directory / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(vault.seal(name, data))


def _put_postgresql_in_place(unpacked: Unpacked, staging: Path, settings: Settings, replace: bool,
                             keys: VaultKeys, started: float) -> RestoreResult:
    description = unpacked.description
    assert unpacked.database is not None
    schema, _tables, _server = postgresql_schema_state(settings.database_url)
    if description.database.get("schema") not in (None, schema):
        raise BackupRefused(f"the backup holds schema {description.database['schema']!r} and the target's is "
                            f"{schema!r}: give a target URL whose search_path names {description.database['schema']}")
    (staging / "photos").mkdir(exist_ok=True, mode=0o700)
    sync_directory(staging / "photos")
    save_new_key(keys)
    settings.ensure_data_dir()
    note = settings.data_dir / PENDING_NOTE
    staging_photos = settings.data_dir / f".photos.restore-{secrets.token_hex(4)}"
    os.replace(staging / "photos", staging_photos)  # beside the photo folder: same file system
    note.write_text(json.dumps({"photos": staging_photos.name}))
    sync_directory(settings.data_dir)
    try:
        restore_postgresql(unpacked.database, settings.database_url,
                           dump_major=int(description.database.get("pg_dump_major") or 0), replace=replace,
                           pg_restore=settings.pg_dump)
    except SnapshotError as error:
        note.unlink(missing_ok=True)
        shutil.rmtree(staging_photos, ignore_errors=True)
        if keys.unsaved and keys.created is not None:
            keys.created.unlink(missing_ok=True)  # made for this restore, which did not happen
        raise BackupRefused(str(error)) from None
    finish_interrupted_restore(settings)  # the database is in: the photos follow (a restart would do it too)
    migrate.upgrade(settings.database_url)
    return RestoreResult(settings.database_url, len(unpacked.photos), description.counts,
                         description.revision if description.revision != migrate.head() else None, keys.created,
                         time.perf_counter() - started)


def finish_interrupted_restore(settings: Settings) -> None:
    """A PostgreSQL restore killed after it staged its photos: if its database transaction committed (the
    database lists exactly the staged photos), put the photos in place now; if not (the database is still
    the clinic's own), the clinic's photo folder stays and the staged one goes."""
    note = settings.data_dir / PENDING_NOTE
    if not note.is_file():
        return
    try:
        staged = settings.data_dir / json.loads(note.read_text())["photos"]
    except (ValueError, KeyError, TypeError):
        raise ConfigurationError(f"{note} is damaged: a restore was interrupted; run the restore again") from None
    if staged.is_dir():
        if {p.name for p in staged.iterdir() if p.name.isalnum()} == listed_photos(settings.database_url):
            _exchange_into_place(staged, settings.photo_dir)
        shutil.rmtree(staged, ignore_errors=True)
    note.unlink()
    sync_directory(settings.data_dir)


def _exchange_into_place(staged: Path, target: Path) -> None:
    """Put ``staged`` where ``target`` is, in one step: the target is the old folder or the new one,
    never a mixture. ``staged`` holds the old contents afterwards (the caller removes them)."""
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()
    if not target.exists():
        os.rename(staged, target)
        sync_directory(target.parent)
        return
    if not _rename_exchange(staged, target):  # no atomic exchange here (not Linux): two renames
        aside = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
        os.rename(target, aside)
        os.rename(staged, target)
        os.rename(aside, staged)
    sync_directory(target.parent)


def _rename_exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): swap two paths atomically. False where it is not available."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        at_fdcwd, rename_exchange = -100, 2
        if libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
            return True
        error = ctypes.get_errno()
        if error not in (38, 22, 95):  # ENOSYS, EINVAL, EOPNOTSUPP: not supported here; else a real error
            raise OSError(error, os.strerror(error), str(b))
    return False
