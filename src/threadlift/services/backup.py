"""Backups of a clinic and their restoration.

An archive (:mod:`threadlift.store.archive`, sealed for a passphrase or a public key, never the photo
key) holds a tar stream: ``backup.json`` (what the archive is: format, schema revision, database kind,
counts per table), the database copy (``database/threadlift.sqlite`` or ``database/threadlift.pgdump``,
see :mod:`threadlift.store.snapshot`), every photo the copy refers to, in the clear inside the sealed
archive (``photos/<name>``: the stored bytes, so the archive restores under any photo key), and
``manifest.json`` last: the same description with the size and SHA-256 of every member.

Restoring never touches the clinic until the whole archive has been read and every hash checked: it
is unpacked into a private staging folder beside the target (photos sealed again under the target's
key as they arrive), migrated if it is older, then put in place in one step. On SQLite that step is
an atomic exchange of the folders; on PostgreSQL, one pg_restore transaction, then the photo folder's
exchange, with a note on disk so that an interruption between the two is finished by the next start.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import io
import json
import os
import secrets
import shutil
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from threadlift import __version__
from threadlift.config import ConfigurationError, Settings, vault_keys
from threadlift.store import migrate
from threadlift.store.archive import ArchiveError, Identity, Recipient, SealedReader, SealedWriter
from threadlift.store.keys import sync_directory
from threadlift.store.snapshot import (
    Snapshot,
    SnapshotError,
    describe_sqlite,
    is_postgresql,
    postgresql_schema_state,
    private_temporary,
    restore_postgresql,
    snapshot_postgresql,
    snapshot_sqlite,
    sqlite_is_empty,
    sqlite_path,
)
from threadlift.store.vault import PhotoVault

FORMAT = 1
HEADER_MEMBER = "backup.json"
MANIFEST_MEMBER = "manifest.json"
PENDING_NOTE = ".restore-pending.json"
Progress = Callable[[str, int, int], None]


def _quiet(step: str, done: int, total: int) -> None:
    return None


class BackupRefused(Exception):
    """A backup or restore that cannot go ahead; nothing was changed. The message says what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    photos: int
    bytes: int
    counts: dict[str, int]
    revision: str | None
    seconds: float


@dataclass
class Description:
    """``backup.json`` and ``manifest.json``: what an archive holds."""

    created_at: str
    threadlift: str
    revision: str | None
    database: dict[str, Any]
    counts: dict[str, int]
    photos: int
    members: dict[str, dict[str, Any]] = field(default_factory=dict)

    def document(self, with_members: bool) -> bytes:
        body: dict[str, Any] = {"format": FORMAT, "created_at": self.created_at, "threadlift": self.threadlift,
                                "schema_revision": self.revision, "database": self.database, "counts": self.counts,
                                "photos": self.photos}
        if with_members:
            body["members"] = self.members
        return json.dumps(body, indent=1, sort_keys=True).encode()

    @classmethod
    def parse(cls, data: bytes, member: str) -> Description:
        try:
            body = json.loads(data)
            if body.get("format") != FORMAT:
                raise BackupRefused(f"the backup's format {body.get('format')} is newer than this ThreadLift reads: "
                                    "restore it with the version that made it, or newer")
            return cls(body["created_at"], body["threadlift"], body["schema_revision"], body["database"],
                       dict(body["counts"]), int(body["photos"]), dict(body.get("members", {})))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ArchiveError(f"the backup's {member} is damaged") from None


# ---- making a backup ------------------------------------------------------------------------------

def create_backup(settings: Settings, vault: PhotoVault, out: Path, recipient: Recipient,
                  progress: Progress = _quiet) -> BackupResult:
    """Write the archive to ``out`` (never over an existing file). The archive appears under its name
    only once complete and on disk: an interrupted backup leaves no file that looks like a backup."""
    started = time.perf_counter()
    if out.exists():
        raise BackupRefused(f"{out} exists already: give a new file name (backups are never overwritten)")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    kind = "postgresql" if is_postgresql(settings.database_url) else "sqlite"
    member = f"database/threadlift.{'pgdump' if kind == 'postgresql' else 'sqlite'}"
    with private_temporary(settings.data_dir, "backup-database") as copy:
        progress("copying the database", 0, 1)
        try:
            snapshot = snapshot_postgresql(settings.database_url, copy, settings.pg_dump) if kind == "postgresql" \
                else snapshot_sqlite(settings.database_url, copy)
        except SnapshotError as error:
            raise BackupRefused(str(error)) from None
        description = Description(datetime.now(UTC).isoformat(timespec="seconds"), __version__, snapshot.revision,
                                  {"kind": kind, "member": member, "schema": snapshot.schema,
                                   "pg_dump_major": snapshot.tool_major}, snapshot.counts, len(snapshot.photos))
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                sealed = SealedWriter(handle, recipient)
                with tarfile.open(fileobj=sealed, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    _add(tar, HEADER_MEMBER, description.document(with_members=False))
                    with copy.open("rb") as database:
                        description.members[member] = _add_file(tar, member, database, copy.stat().st_size)
                    _add_photos(tar, vault, snapshot, description, progress)
                    _add(tar, MANIFEST_MEMBER, description.document(with_members=True))
                sealed.close()
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, out)
            sync_directory(out.parent)
        finally:
            partial.unlink(missing_ok=True)
    return BackupResult(out, len(snapshot.photos), out.stat().st_size, snapshot.counts, snapshot.revision,
                        time.perf_counter() - started)


def _add_photos(tar: tarfile.TarFile, vault: PhotoVault, snapshot: Snapshot, description: Description,
                progress: Progress) -> None:
    names = sorted(snapshot.photos)
    for done, name in enumerate(names, start=1):
        data = vault.get(name)  # VaultError (missing, damaged): the backup stops, saying which photo
        digest = hashlib.sha256(data).hexdigest()
        if digest != snapshot.photos[name]:
            raise BackupRefused(f"photo file {name} does not match the hash the database recorded for it: the "
                                "vault is damaged; restore that photo from an earlier backup")
        description.members[f"photos/{name}"] = _add(tar, f"photos/{name}", data)
        progress("photos", done, len(names))


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> dict[str, Any]:
    return _add_file(tar, name, io.BytesIO(data), len(data))


def _add_file(tar: tarfile.TarFile, name: str, handle: BinaryIO, size: int) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    hashing = _Hashing(handle)
    tar.addfile(info, hashing)
    if hashing.count != size:
        raise BackupRefused(f"{name} changed size while it was copied")
    return {"sha256": hashing.digest.hexdigest(), "bytes": size}


class _Hashing(io.RawIOBase):
    def __init__(self, handle: IO[bytes]) -> None:
        super().__init__()
        self._handle, self.digest, self.count = handle, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._handle.read(-1 if size is None else size)
        self.digest.update(data)
        self.count += len(data)
        return data


# ---- reading an archive ---------------------------------------------------------------------------

@dataclass
class Unpacked:
    description: Description
    database: Path | None
    photos: list[str]


def _members(archive: Path, identity: Identity) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    try:
        handle = archive.open("rb")
    except OSError as error:
        raise ArchiveError(f"cannot read {archive}: {error.strerror}") from None
    with handle:
        reader = io.BufferedReader(SealedReader(handle, identity), buffer_size=1 << 20)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for info in tar:
                    if not info.isfile():
                        raise ArchiveError(f"the backup holds an unexpected entry {info.name!r}")
                    extracted = tar.extractfile(info)
                    if extracted is None:
                        raise ArchiveError(f"the backup's entry {info.name!r} cannot be read")
                    yield info, extracted
        except tarfile.TarError as error:
            raise ArchiveError(f"the backup's contents are damaged ({error})") from None


def read_archive(archive: Path, identity: Identity, *,
                 on_header: Callable[[Description], None] = lambda d: None,
                 on_database: Callable[[Description, IO[bytes]], Path | None] = lambda d, f: None,
                 on_photo: Callable[[str, bytes], None] = lambda name, data: None,
                 progress: Progress = _quiet) -> Unpacked:
    """Read every member, checking each against the manifest at the end: raises :class:`ArchiveError`
    on the first problem. The callbacks see each member as it arrives (restore unpacks them)."""
    header: Description | None = None
    seen: dict[str, dict[str, Any]] = {}
    database: Path | None = None
    photos: list[str] = []
    manifest: Description | None = None
    for info, stream in _members(archive, identity):
        if manifest is not None:
            raise ArchiveError("the backup has entries after its manifest")
        if header is None:
            if info.name != HEADER_MEMBER:
                raise ArchiveError("the backup does not start with its description (backup.json)")
            header = Description.parse(stream.read(), HEADER_MEMBER)
            on_header(header)
            continue
        if info.name == MANIFEST_MEMBER:
            manifest = Description.parse(stream.read(), MANIFEST_MEMBER)
            continue
        if info.name == header.database["member"]:
            hashing = _Hashing(stream)
            database = on_database(header, hashing)  # type: ignore[arg-type]  # a readable binary stream
            while hashing.read(1 << 20):
                pass
            seen[info.name] = {"sha256": hashing.digest.hexdigest(), "bytes": hashing.count}
        elif info.name.startswith("photos/") and info.name[7:].isalnum():
            data = stream.read()
            seen[info.name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            on_photo(info.name[7:], data)
            photos.append(info.name[7:])
            progress("photos", len(photos), header.photos)
        else:
            raise ArchiveError(f"the backup holds an unexpected entry {info.name!r}")
    if header is None or manifest is None:
        raise ArchiveError("the backup ends before its manifest: the copy is incomplete")
    if set(seen) != set(manifest.members):
        missing = sorted(set(manifest.members) - set(seen))
        raise ArchiveError(f"the backup lacks {len(missing)} member(s) its manifest lists (e.g. {missing[:1]})"
                           if missing else "the backup holds members its manifest does not list")
    for name, facts in manifest.members.items():
        if seen[name] != {"sha256": facts.get("sha256"), "bytes": facts.get("bytes")}:
            raise ArchiveError(f"{name} does not match its SHA-256 in the manifest: the backup is damaged")
    if manifest.counts != header.counts or manifest.revision != header.revision or len(photos) != manifest.photos:
        raise ArchiveError("the backup's manifest disagrees with its description: the backup is damaged")
    return Unpacked(manifest, database, photos)


def verify_backup(archive: Path, identity: Identity, progress: Progress = _quiet) -> Description:
    """Read and check the whole archive without restoring it; also says whether this version can
    restore it (a newer schema cannot)."""
    unpacked = read_archive(archive, identity, on_header=_refuse_newer, progress=progress)
    return unpacked.description


def _refuse_newer(description: Description) -> None:
    if description.revision is not None and description.revision not in migrate.known_revisions():
        raise BackupRefused(f"the backup's database is at schema revision {description.revision}, newer than this "
                            f"ThreadLift ({__version__}, revision {migrate.head()}) knows: restore it with the "
                            f"version that made it ({description.threadlift}) or newer")


# ---- restoring ------------------------------------------------------------------------------------

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
                   progress: Progress = _quiet) -> RestoreResult:
    started = time.perf_counter()
    finish_interrupted_restore(settings)
    held = target_in_use(settings)
    if held and not replace:
        raise BackupRefused(f"the target is not empty ({'; '.join(held)}): restore into an empty one, or replace "
                            "it with --replace")
    postgresql = is_postgresql(settings.database_url)
    keys = vault_keys(settings, create=True, replacing=True)
    parent = settings.data_dir.parent
    parent.mkdir(parents=True, exist_ok=True)
    for stale in parent.glob(f".{settings.data_dir.name}.restore-*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a restore that was killed: never put in place
    staging = parent / f".{settings.data_dir.name}.restore-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    try:
        vault = PhotoVault(staging / "photos", keys.ring)

        def kind_matches(description: Description) -> None:
            _refuse_newer(description)
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
            return _put_postgresql_in_place(unpacked, staging, settings, replace, keys.created, started)
        copy = describe_sqlite(unpacked.database)
        if copy.counts != description.counts or set(copy.photos) != set(unpacked.photos):
            raise ArchiveError("the database copy disagrees with the manifest's counts: the backup is damaged")
        progress("migrating", 0, 1)
        migrate.upgrade(f"sqlite:///{unpacked.database}")
        vault.sync()
        sync_directory(staging)
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
                             key_created: Path | None, started: float) -> RestoreResult:
    description = unpacked.description
    assert unpacked.database is not None
    schema, _tables, _server = postgresql_schema_state(settings.database_url)
    if description.database.get("schema") not in (None, schema):
        raise BackupRefused(f"the backup holds schema {description.database['schema']!r} and the target's is "
                            f"{schema!r}: give a target URL whose search_path names {description.database['schema']}")
    (staging / "photos").mkdir(exist_ok=True, mode=0o700)
    sync_directory(staging / "photos")
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
        raise BackupRefused(str(error)) from None
    finish_interrupted_restore(settings)  # the database is in: the photos follow (a restart would do it too)
    migrate.upgrade(settings.database_url)
    return RestoreResult(settings.database_url, len(unpacked.photos), description.counts,
                         description.revision if description.revision != migrate.head() else None, key_created,
                         time.perf_counter() - started)


def finish_interrupted_restore(settings: Settings) -> None:
    """A PostgreSQL restore whose database was committed but whose photos were not yet put in place
    (the process was killed between the two): put them in place now."""
    note = settings.data_dir / PENDING_NOTE
    if not note.is_file():
        return
    try:
        staged = settings.data_dir / json.loads(note.read_text())["photos"]
    except (ValueError, KeyError, TypeError):
        raise ConfigurationError(f"{note} is damaged: a restore was interrupted; run the restore again") from None
    if staged.is_dir():
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
