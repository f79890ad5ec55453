"""Settings from the environment, read once by the composition root (never at import time)."""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from threadlift.clinic.policy import ClinicPolicy, Jurisdiction

KEY_FILE_NAME = "photo-vault.key"


class ConfigurationError(Exception):
    """A setting is missing or unsafe; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    jurisdiction: Jurisdiction = Jurisdiction.UK
    session_idle_minutes: int = 30  # automatic logoff (records-standards.md d1)
    session_max_hours: int = 12
    timezone: str = "Europe/London"  # the clinic's clock, for the times shown on pages
    policy_overrides: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(env.get("THREADLIFT_DATA_DIR", "threadlift-data")).resolve()
        url = env.get("THREADLIFT_DATABASE_URL") or f"sqlite:///{data_dir / 'threadlift.db'}"
        try:
            jurisdiction = Jurisdiction(env.get("THREADLIFT_JURISDICTION", "UK").upper())
        except ValueError:
            raise ConfigurationError("THREADLIFT_JURISDICTION must be US or UK") from None
        zone = env.get("THREADLIFT_TIMEZONE", "Europe/London")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(f"THREADLIFT_TIMEZONE {zone!r} is not a time zone name (e.g. Europe/London, "
                                     "America/New_York)") from None
        return cls(data_dir=data_dir, database_url=normalise_database_url(url), jurisdiction=jurisdiction,
                   timezone=zone)

    @property
    def policy(self) -> ClinicPolicy:
        return ClinicPolicy.for_jurisdiction(self.jurisdiction, **self.policy_overrides)

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    def ensure_data_dir(self) -> Path:
        """The data folder, created private (0700): it holds the database file and the photo key."""
        if not self.data_dir.exists():
            self.data_dir.mkdir(parents=True, mode=0o700)
        return self.data_dir


def normalise_database_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def vault_key(settings: Settings, environ: dict[str, str] | None = None) -> bytes:
    """The 256-bit photo key: ``THREADLIFT_KEY`` (base64 or hex), or a key file made on first run (0600)."""
    env = os.environ if environ is None else environ
    configured = env.get("THREADLIFT_KEY")
    if configured:
        return _decode_key(configured)
    path = settings.data_dir / KEY_FILE_NAME
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise ConfigurationError(f"{path} is readable by others (mode {mode:o}); run: chmod 600 {path}")
        return _decode_key(path.read_text().strip())
    settings.ensure_data_dir()
    key = os.urandom(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(base64.b64encode(key).decode() + "\n")
    return key


def _decode_key(text: str) -> bytes:
    for decode in (base64.b64decode, bytes.fromhex, base64.urlsafe_b64decode):
        try:
            key = decode(text)
        except (ValueError, binascii.Error):
            continue
        if len(key) == 32:
            return key
    raise ConfigurationError("THREADLIFT_KEY must be 32 bytes, base64 or hex encoded (e.g. from: "
                             "python -c 'import os,base64;print(base64.b64encode(os.urandom(32)).decode())')")
