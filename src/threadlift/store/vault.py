"""Photos at rest: AES-256-GCM encrypted files, random names, never served by a guessable path.

Each file is ``b"TLV1" || key id (8 bytes) || nonce (12 bytes) || ciphertext+tag``. The header and
the file's own name are authenticated as associated data, so a file swapped under another name, or a
header edited to name another key, fails to decrypt. The key id says which key of the ring opens the
file (:mod:`threadlift.store.keys`), so keys can be rotated file by file. Files written before key ids
existed (``nonce || ciphertext+tag``, the name alone as associated data) are still read.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from threadlift.store.keys import KEY_ID_BYTES, KeyFile, KeyRing, UnusableKey, key_id, sync_directory

MAGIC = b"TLV1"
HEADER_BYTES = len(MAGIC) + KEY_ID_BYTES
NONCE_BYTES = 12
PENDING_SUFFIX = ".pending"


class VaultError(Exception):
    pass


class PhotoVault:
    """``keys``: a key ring, or one 32-byte key. ``key_file``: where the ring came from; read again when
    a file names a key this vault does not hold, and before sealing if it changed (a rotation ran)."""

    def __init__(self, directory: Path, keys: KeyRing | bytes, key_file: KeyFile | None = None) -> None:
        self.directory = directory
        self.key_file = key_file
        self.use(keys if isinstance(keys, KeyRing) else KeyRing((keys,)))

    def use(self, ring: KeyRing) -> None:
        """Open and seal with ``ring`` from now on."""
        self.ring = ring
        self._ciphers = {kid: AESGCM(key) for kid, key in ring.by_id().items()}

    def put(self, data: bytes) -> str:
        """Seal and store ``data`` at once (see :meth:`stage` for a write that waits for its record)."""
        name = self.stage(data)
        self.publish(name)
        return name

    def stage(self, data: bytes) -> str:
        """Seal ``data`` into a pending file, on disk (fsync) but not yet a photo of the vault: the record
        that names it commits next, then :meth:`publish` (or, if it never commits, :meth:`discard`). A crash
        in between leaves a pending file that :meth:`pending` lists for recovery, never an orphan photo."""
        self._refresh()
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = secrets.token_hex(24)
        descriptor = os.open(self._pending_path(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(self.seal(name, data))
            handle.flush()
            os.fsync(handle.fileno())
        return name

    def publish(self, name: str) -> None:
        """The record naming ``name`` has committed: the pending file becomes the photo's file."""
        os.replace(self._pending_path(name), self._path(name))
        sync_directory(self.directory)

    def discard(self, name: str) -> None:
        """The record naming ``name`` never committed: remove its pending file."""
        self._pending_path(name).unlink(missing_ok=True)

    def pending(self) -> list[tuple[str, float]]:
        """Pending files left by writes that never finished: (name, seconds since written)."""
        if not self.directory.is_dir():
            return []
        found = []
        now = time.time()
        with os.scandir(self.directory) as entries:
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(PENDING_SUFFIX):
                    name = entry.name[1:-len(PENDING_SUFFIX)]
                    if name.isalnum():
                        found.append((name, now - entry.stat().st_mtime))
        return found

    def get(self, name: str) -> bytes:
        try:
            sealed = self._path(name).read_bytes()
        except FileNotFoundError:
            if not self._pending_path(name).is_file():
                raise VaultError(f"photo file {name} is missing from the vault") from None
            self.publish(name)  # its record committed, and the writer stopped before publishing it
            sealed = self._path(name).read_bytes()
        return self.open(name, sealed)

    def seal(self, name: str, data: bytes) -> bytes:
        header = MAGIC + self.ring.current_id
        nonce = os.urandom(NONCE_BYTES)
        return header + nonce + self._ciphers[self.ring.current_id].encrypt(nonce, data, header + name.encode())

    def open(self, name: str, sealed: bytes) -> bytes:
        kid = sealed_key_id(sealed)
        if kid is not None and kid not in self._ciphers:
            self._refresh(force=True)
        if kid is not None and kid in self._ciphers:
            header, body = sealed[:HEADER_BYTES], sealed[HEADER_BYTES:]
            try:
                return self._ciphers[kid].decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], header + name.encode())
            except InvalidTag:
                raise VaultError(f"photo file {name} failed its integrity check (altered file)") from None
        for cipher in self._ciphers.values():  # before key ids: try each key (a ring holds one or two)
            try:
                return cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], name.encode())
            except InvalidTag:
                continue
        if kid is not None:
            raise VaultError(f"photo file {name} is sealed with key {kid.hex()}, which this clinic's key file "
                             "does not hold")
        raise VaultError(f"photo file {name} failed its integrity check (wrong key or altered file)")

    def names(self) -> Iterator[str]:
        """Every photo file's name (temporary files of an interrupted write or rotation excluded)."""
        if not self.directory.is_dir():
            return
        with os.scandir(self.directory) as entries:
            for entry in entries:
                if entry.name.isalnum() and entry.is_file():
                    yield entry.name

    def file_key_id(self, name: str) -> bytes | None:
        """The key id in a file's header (None: written before key ids)."""
        with self._path(name).open("rb") as handle:
            return sealed_key_id(handle.read(HEADER_BYTES))

    def reseal(self, name: str) -> bool:
        """Seal one file again under the current key, atomically (a temporary file renamed over it): a
        crash leaves the old file or the new one. Returns False when it already was under that key."""
        if self.file_key_id(name) == self.ring.current_id:
            return False
        plain = self.get(name)
        temporary = self.directory / f".{name}.reseal"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(self.seal(name, plain))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self._path(name))
        finally:
            temporary.unlink(missing_ok=True)
        return True

    def sync(self) -> None:
        sync_directory(self.directory)

    def _refresh(self, force: bool = False) -> None:
        if self.key_file is None:
            return
        ring = self.key_file.load_if_changed()
        if ring is None and force:
            try:
                ring = self.key_file.load()
            except (UnusableKey, OSError):
                ring = None  # the file is unusable now: go on with the ring in use
        if ring is not None:
            self.use(ring)

    def _pending_path(self, name: str) -> Path:
        return self._path(name).with_name(f".{name}{PENDING_SUFFIX}")

    def _path(self, name: str) -> Path:
        if not name.isalnum():
            raise VaultError("invalid photo file name")
        return self.directory / name


def sealed_key_id(sealed: bytes) -> bytes | None:
    if len(sealed) >= HEADER_BYTES and sealed[:len(MAGIC)] == MAGIC:
        return sealed[len(MAGIC):HEADER_BYTES]
    return None


__all__ = ["HEADER_BYTES", "PhotoVault", "VaultError", "key_id", "sealed_key_id"]
