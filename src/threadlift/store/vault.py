"""Photos at rest: AES-256-GCM encrypted files, random names, never served by a guessable path.

Each file is ``nonce (12 bytes) || ciphertext+tag``; the file's own name is authenticated as
associated data, so a file swapped under another name fails to decrypt.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class VaultError(Exception):
    pass


class PhotoVault:
    def __init__(self, directory: Path, key: bytes) -> None:
        if len(key) != 32:
            raise VaultError("the photo key must be 32 bytes (AES-256)")
        self.directory = directory
        self._aead = AESGCM(key)

    def put(self, data: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = secrets.token_hex(24)
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, data, name.encode())
        path = self._path(name)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(sealed)
        return name

    def get(self, name: str) -> bytes:
        try:
            sealed = self._path(name).read_bytes()
        except FileNotFoundError:
            raise VaultError(f"photo file {name} is missing from the vault") from None
        try:
            return self._aead.decrypt(sealed[:12], sealed[12:], name.encode())
        except InvalidTag:
            raise VaultError(f"photo file {name} failed its integrity check (wrong key or altered file)") from None

    def _path(self, name: str) -> Path:
        if not name.isalnum():
            raise VaultError("invalid photo file name")
        return self.directory / name
