"""The encrypted container of a backup: a stream sealed for a passphrase or for a public key.

The design is age's (age-encryption.org/v1), on the primitives of ``cryptography``: a random 256-bit
file key is wrapped for the recipient, and the payload is cut into 64 KiB chunks, each sealed with
ChaCha20-Poly1305 under a key derived from the file key, its nonce the chunk's counter and a flag
marking the last chunk (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár). So a
chunk cannot be altered, dropped, reordered or cut off at the end without the reader noticing, and
the archive is read and written as a stream, whatever its size. (pyrage, age's Python binding,
seals passphrase archives only whole in memory; a clinic's archive holds gigabytes of photos.)

* Passphrase: the file key is wrapped under scrypt(passphrase, 16-byte salt, N=2^17, r=8, p=1).
* Public key: X25519. An ephemeral key pair per archive; the wrapping key is HKDF-SHA256 of the shared
  secret, salted with both public keys. Keys are PEM files (``threadlift backup keygen``, or
  ``openssl genpkey -algorithm X25519``); only the private key's holder can read the archive.

Layout: ``MAGIC || u32 header length || header JSON || HMAC-SHA256(header key, all before) ||
chunks``. The header names the method and carries the wrapped key; its MAC (under a key derived from
the file key) is checked before any payload is read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"THREADLIFT-BACKUP-1\n"
CHUNK = 64 * 1024
TAG = 16
SCRYPT = {"n": 2**17, "r": 8, "p": 1}
MAX_SCRYPT_N = 2**20  # a forged header must not make the reader allocate gigabytes
_ZERO_NONCE = bytes(12)


class ArchiveError(Exception):
    """The archive cannot be opened or read: the message says why in one line."""


class WrongSecret(ArchiveError):
    pass


@dataclass(frozen=True)
class Passphrase:
    text: str


@dataclass(frozen=True)
class PublicKey:
    key: X25519PublicKey

    @property
    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()[:16]


@dataclass(frozen=True)
class PrivateKey:
    key: X25519PrivateKey

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.key.public_key())


Recipient = Passphrase | PublicKey
Identity = Passphrase | PrivateKey


def _hkdf(secret: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def _wrap(recipient: Recipient, file_key: bytes) -> dict[str, object]:
    if isinstance(recipient, Passphrase):
        salt = os.urandom(16)
        wrapping = _scrypt(recipient.text, salt, **SCRYPT)
        return {"method": "scrypt", "salt": _b64(salt), **SCRYPT,
                "wrapped_key": _b64(ChaCha20Poly1305(wrapping).encrypt(_ZERO_NONCE, file_key, b"scrypt"))}
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(recipient.key)
    wrapping = _hkdf(shared, ephemeral_raw + recipient.raw, b"threadlift-backup x25519")
    return {"method": "x25519", "ephemeral": _b64(ephemeral_raw), "recipient": recipient.key_id,
            "wrapped_key": _b64(ChaCha20Poly1305(wrapping).encrypt(_ZERO_NONCE, file_key, b"x25519"))}


def _unwrap(header: dict[str, object], identity: Identity) -> bytes:
    method = header.get("method")
    try:
        wrapped = _unb64(header["wrapped_key"])
        if method == "scrypt":
            if not isinstance(identity, Passphrase):
                raise WrongSecret("this backup is sealed with a passphrase: give --passphrase-file")
            n, r, p = (int(header[k]) for k in ("n", "r", "p"))  # type: ignore[call-overload]
            if not (2 <= n <= MAX_SCRYPT_N and 1 <= r <= 32 and 1 <= p <= 16):
                raise ArchiveError("the backup's header is damaged (key derivation settings out of range)")
            wrapping = _scrypt(identity.text, _unb64(header["salt"]), n, r, p)
            return ChaCha20Poly1305(wrapping).decrypt(_ZERO_NONCE, wrapped, b"scrypt")
        if method == "x25519":
            if not isinstance(identity, PrivateKey):
                raise WrongSecret("this backup is sealed for a public key: give --identity with its private key")
            if header.get("recipient") != identity.public.key_id:
                raise WrongSecret(f"this backup is sealed for another key (id {header.get('recipient')}); the private "
                                  f"key given has id {identity.public.key_id}")
            ephemeral_raw = _unb64(header["ephemeral"])
            shared = identity.key.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
            wrapping = _hkdf(shared, ephemeral_raw + identity.public.raw, b"threadlift-backup x25519")
            return ChaCha20Poly1305(wrapping).decrypt(_ZERO_NONCE, wrapped, b"x25519")
    except InvalidTag:
        raise WrongSecret("wrong passphrase" if method == "scrypt" else "the private key does not open this backup") \
            from None
    except (KeyError, ValueError, TypeError):
        raise ArchiveError("the backup's header is damaged") from None
    raise ArchiveError(f"unknown sealing method {method!r}: the backup was made by a newer ThreadLift")


class SealedWriter(io.RawIOBase):
    """A writable stream: what is written is sealed chunk by chunk into ``out``; :meth:`close` seals the
    last chunk (an archive not closed is detected as truncated)."""

    def __init__(self, out: BinaryIO, recipient: Recipient) -> None:
        super().__init__()
        self._out = out
        file_key = os.urandom(32)
        salt = os.urandom(16)
        header = json.dumps({"format": 1, "payload_salt": _b64(salt), "chunk": CHUNK,
                             **_wrap(recipient, file_key)}).encode()
        head = MAGIC + struct.pack(">I", len(header)) + header
        out.write(head + hmac.new(_hkdf(file_key, b"", b"header"), head, hashlib.sha256).digest())
        self._aead = ChaCha20Poly1305(_hkdf(file_key, salt, b"threadlift-backup payload"))
        self._buffer = bytearray()
        self._counter = 0
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep something back: the last chunk is never empty unless all is
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._out.flush()
        super().close()

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._counter, last), chunk, None)
        self._out.write(sealed)
        self.written += len(sealed)
        self._counter += 1


class SealedReader(io.RawIOBase):
    """A readable stream of the payload of ``source``, each chunk checked before any of it is returned.
    Raises :class:`ArchiveError` for an altered or cut-off archive, :class:`WrongSecret` for the wrong
    passphrase or key."""

    def __init__(self, source: BinaryIO, identity: Identity) -> None:
        super().__init__()
        self._source = source
        start = source.read(len(MAGIC) + 4)
        if start[:len(MAGIC)] != MAGIC:
            raise ArchiveError("not a ThreadLift backup (no backup header at the start of the file)")
        (length,) = struct.unpack(">I", start[len(MAGIC):]) if len(start) == len(MAGIC) + 4 else (0,)
        if not 0 < length < 65536:
            raise ArchiveError("the backup's header is damaged or cut off")
        header_bytes = source.read(length)
        mac = source.read(32)
        if len(header_bytes) != length or len(mac) != 32:
            raise ArchiveError("the backup is cut off inside its header")
        try:
            header = json.loads(header_bytes)
            salt = _unb64(header["payload_salt"])
            if header.get("format") != 1 or header.get("chunk") != CHUNK:
                raise ArchiveError("the backup was made in a newer format: restore it with a newer ThreadLift")
        except (ValueError, KeyError, TypeError):
            raise ArchiveError("the backup's header is damaged") from None
        file_key = _unwrap(header, identity)
        expected = hmac.new(_hkdf(file_key, b"", b"header"), start + header_bytes, hashlib.sha256).digest()
        if not hmac.compare_digest(mac, expected):
            raise ArchiveError("the backup's header was altered")
        self._aead = ChaCha20Poly1305(_hkdf(file_key, salt, b"threadlift-backup payload"))
        self._counter = 0
        self._pending = self._read_sealed()
        self._plain = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._plain and not self._done:
            self._plain = self._next_chunk()
        size = min(len(target), len(self._plain))
        target[:size] = self._plain[:size]
        self._plain = self._plain[size:]
        return size

    def _read_sealed(self) -> bytes:
        wanted, parts = CHUNK + TAG, []
        while wanted:
            part = self._source.read(wanted)
            if not part:
                break
            parts.append(part)
            wanted -= len(part)
        return b"".join(parts)

    def _next_chunk(self) -> bytes:
        sealed = self._pending
        if not sealed:
            raise ArchiveError("the backup is cut off (it ends before its last part): the copy is incomplete")
        self._pending = self._read_sealed()
        last = not self._pending
        try:
            plain = self._aead.decrypt(_nonce(self._counter, last), sealed, None)
        except InvalidTag:
            if last:
                raise ArchiveError("the backup is cut off or damaged at its end: the copy is incomplete") from None
            raise ArchiveError(f"the backup is damaged (part {self._counter + 1} fails its check)") from None
        self._counter += 1
        self._done = last
        return plain


def _nonce(counter: int, last: bool) -> bytes:
    if counter >= 2**88:
        raise ArchiveError("archive too large")
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(value: object) -> bytes:
    if not isinstance(value, str):
        raise ValueError("not base64 text")
    return base64.b64decode(value, validate=True)


# Keys on disk: PEM, as OpenSSL writes them (openssl genpkey -algorithm X25519; openssl pkey -pubout).

def generate_key_pair(private_path: Path) -> tuple[Path, Path]:
    """A new X25519 key pair: the private key (0600, made only if absent) and ``<private>.pub``."""
    key = X25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_path = private_path.with_name(private_path.name + ".pub")
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo))
    return private_path, public_path


def load_public_key(path: Path) -> PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as error:
        raise ArchiveError(f"cannot read {path}: {error.strerror}") from None
    except ValueError:
        raise ArchiveError(f"{path} is not a PEM public key (make one with: threadlift backup keygen)") from None
    if not isinstance(key, X25519PublicKey):
        raise ArchiveError(f"{path} is not an X25519 public key")
    return PublicKey(key)


def load_private_key(path: Path) -> PrivateKey:
    try:
        mode = path.stat().st_mode & 0o777
        data = path.read_bytes()
    except OSError as error:
        raise ArchiveError(f"cannot read {path}: {error.strerror}") from None
    if mode & 0o077:
        raise ArchiveError(f"the private key {path} can be read by others (mode {mode:o}); run: chmod 600 {path}")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ArchiveError(f"{path} is not an unencrypted PEM private key") from None
    if not isinstance(key, X25519PrivateKey):
        raise ArchiveError(f"{path} is not an X25519 private key")
    return PrivateKey(key)
