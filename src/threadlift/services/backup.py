"""Backups of a clinic and their restoration.

An archive (:mod:`threadlift.store.archive`, sealed for a passphrase or a public key, never the photo
key) holds a tar stream: ``backup.json`` (what the archive is: format, schema revision, database kind,
counts per table), the database copy (``database/threadlift.sqlite`` or ``database/threadlift.pgdump``,
see :mod:`threadlift.store.snapshot`), every photo the copy refers to, in the clear inside the sealed
archive (``photos/<name>``: the stored bytes, so the archive restores under any photo key), and
``manifest.json`` last: the same description with the size and SHA-256 of every member.

Restoring is :mod:`threadlift.services.restore`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO

from threadlift import __version__
from threadlift.config import Settings
from threadlift.store import migrate
from threadlift.store.archive import ArchiveError, Identity, Recipient, SealedReader, SealedWriter
from threadlift.store.keys import sync_directory
from threadlift.store.snapshot import (
    Snapshot,
    SnapshotError,
    is_postgresql,
    private_temporary,
    snapshot_postgresql,
    snapshot_sqlite,
)
from threadlift.store.vault import PhotoVault

FORMAT = 1
HEADER_MEMBER = "backup.json"
MANIFEST_MEMBER = "manifest.json"
Progress = Callable[[str, int, int], None]


def quiet(step: str, done: int, total: int) -> None:
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
                  progress: Progress = quiet) -> BackupResult:
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
        info = tarfile.TarInfo(f"photos/{name}")
        info.size, info.mode, info.mtime = len(data), 0o600, int(time.time())
        tar.addfile(info, io.BytesIO(data))  # hashed once, above: it is the hash the database recorded
        description.members[info.name] = {"sha256": digest, "bytes": len(data)}
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
                 progress: Progress = quiet) -> Unpacked:
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


def verify_backup(archive: Path, identity: Identity, progress: Progress = quiet) -> Description:
    """Read and check the whole archive without restoring it; also says whether this version can
    restore it (a newer schema cannot)."""
    unpacked = read_archive(archive, identity, on_header=refuse_newer, progress=progress)
    return unpacked.description


def refuse_newer(description: Description) -> None:
    if description.revision is not None and description.revision not in migrate.known_revisions():
        raise BackupRefused(f"the backup's database is at schema revision {description.revision}, newer than this "
                            f"ThreadLift ({__version__}, revision {migrate.head()}) knows: restore it with the "
                            f"version that made it ({description.threadlift}) or newer")
