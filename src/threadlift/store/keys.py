"""Photo keys: 256-bit AES keys, each known by a key id, kept in a key file outside the data folder.

A key file holds one key per line (base64), the first being the one new photos are sealed with; the
lines after it are older keys still needed to open photos sealed before a rotation (``threadlift admin
rotate-key`` re-seals them and then retires the old lines). Lines starting with ``#`` are comments.
The file must be readable by its owner alone (0600 or 0400): a key readable by others is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

KEY_BYTES = 32
KEY_ID_BYTES = 8


class UnusableKey(Exception):
    """A key that cannot be used: unreadable, exposed, malformed. The message says what to do."""


def key_id(key: bytes) -> bytes:
    """Eight bytes that name a key without revealing it (stored in every photo file's header)."""
    return hashlib.sha256(b"threadlift photo key id\x00" + key).digest()[:KEY_ID_BYTES]


@dataclass(frozen=True)
class KeyRing:
    """The keys a vault may open photos with; ``keys[0]`` seals new ones."""

    keys: tuple[bytes, ...]

    def __post_init__(self) -> None:
        if not self.keys or any(len(k) != KEY_BYTES for k in self.keys):
            raise UnusableKey("a photo key is 32 bytes (AES-256)")

    @property
    def current(self) -> bytes:
        return self.keys[0]

    @property
    def current_id(self) -> bytes:
        return key_id(self.keys[0])

    def by_id(self) -> dict[bytes, bytes]:
        return {key_id(k): k for k in self.keys}

    @classmethod
    def parse(cls, text: str, where: str) -> KeyRing:
        keys = []
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            decoded = decode_key(line)
            if decoded is None:
                raise UnusableKey(f"{where} line {number} is not a 32-byte key in base64 or hex")
            keys.append(decoded)
        if not keys:
            raise UnusableKey(f"{where} holds no key")
        return cls(tuple(dict.fromkeys(keys)))

    def text(self) -> str:
        lines = ["# ThreadLift photo keys: the first seals new photos; keep this file private and backed up apart"]
        return "\n".join([*lines, *(base64.b64encode(k).decode() for k in self.keys)]) + "\n"


class KeyFile:
    """Where a running vault reads its ring again: after a rotation wrote the file, new photos are sealed
    with the new key and re-sealed photos open, without a restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None

    def load(self) -> KeyRing:
        info = self.path.stat()
        ring = read_key_file(self.path)
        self._seen = (info.st_mtime_ns, info.st_ino)
        return ring

    def load_if_changed(self) -> KeyRing | None:
        try:
            info = self.path.stat()
        except OSError:
            return None
        if self._seen == (info.st_mtime_ns, info.st_ino):
            return None
        try:
            return self.load()
        except UnusableKey:
            return None  # keep the ring in use; the next start reports the problem


def decode_key(text: str) -> bytes | None:
    for decode in (base64.b64decode, bytes.fromhex, base64.urlsafe_b64decode):
        try:
            key = decode(text)
        except (ValueError, binascii.Error):
            continue
        if len(key) == KEY_BYTES:
            return key
    return None


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def read_key_file(path: Path) -> KeyRing:
    """The key ring in ``path``; refused when others can read it or it is not a regular file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UnusableKey(f"no key file at {path}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UnusableKey(f"{path} is not a regular file")
    mode = info.st_mode & 0o777
    if mode & 0o077:
        raise UnusableKey(f"the key file {path} can be read by others (mode {mode:o}); run: chmod 600 {path}")
    try:
        text = path.read_text()
    except OSError as error:
        raise UnusableKey(f"cannot read the key file {path}: {error.strerror}") from None
    return KeyRing.parse(text, str(path))


def write_key_file(path: Path, ring: KeyRing, *, create_only: bool = False) -> None:
    """Write ``ring`` to ``path`` (0600) atomically: a temporary file, flushed to disk, renamed over the
    old one, so a crash leaves the old ring or the new one, never half a file. ``create_only``: refuse to
    replace an existing file (first run)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(ring.text())
            handle.flush()
            os.fsync(handle.fileno())
        if create_only:
            os.link(temporary, path)  # fails if another process made the key meanwhile
            temporary.unlink()
        else:
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    sync_directory(path.parent)


def sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX: fsync the directory itself)."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def derived_key(key: bytes, purpose: str) -> bytes:
    """A 32-byte key for ``purpose`` (e.g. signing the pages' CSRF tokens) derived from a photo key with
    HKDF-SHA256 (RFC 5869): each purpose its own key, none revealing the photo key or another purpose's.
    The same on every server process of the clinic, and after a restart, with no secret of its own to keep."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=b"threadlift derived key v1",
                info=purpose.encode()).derive(key)
