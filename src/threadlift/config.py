"""Settings from the environment, read once by the composition root (never at import time).

Every setting is an environment variable (a systemd ``EnvironmentFile``, a compose ``environment:``
block or a shell). ``threadlift config show`` prints each one, its value and where it came from.
Defaults never depend on the working directory: the data folder is the platform's data directory
(``~/.local/share/threadlift`` on Linux) and the photo key lives apart from it, in the platform's
configuration directory (``~/.config/threadlift/photo-vault.key``), so a copy of the data folder never
carries the key that opens its photos.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from threadlift.clinic.dates import DATE_FORMATS, DEFAULT_DATE_FORMAT, date_pattern
from threadlift.clinic.policy import ClinicPolicy, Jurisdiction
from threadlift.clinic.signin import SignInPolicy
from threadlift.store.keys import (
    KeyFile,
    KeyRing,
    UnusableKey,
    decode_key,
    key_id,
    new_key,
    read_key_file,
    write_key_file,
)

KEY_FILE_NAME = "photo-vault.key"
DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgres://", "postgresql+psycopg://")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
log = logging.getLogger("threadlift.config")


class ConfigurationError(Exception):
    """A setting is missing or unsafe; the message names it and says how to fix it."""


@dataclass(frozen=True)
class SettingInfo:
    variable: str
    help: str
    secret: bool = False


# Every setting, in the order `threadlift config show` prints them.
SETTINGS = (
    SettingInfo("THREADLIFT_DATA_DIR", "folder of the SQLite database and the encrypted photos"),
    SettingInfo("THREADLIFT_DATABASE_URL", "postgresql://user:password@host/db, or the SQLite file in the data folder",
                secret=True),
    SettingInfo("THREADLIFT_KEY", "the photo key itself (base64); a key file is preferred", secret=True),
    SettingInfo("THREADLIFT_KEY_FILE", "file holding the photo key(s), readable by the service alone"),
    SettingInfo("THREADLIFT_JURISDICTION", "UK or US: anaesthetic dose caps and consent rules"),
    SettingInfo("THREADLIFT_TIMEZONE", "the clinic's time zone, for its dates and clocks"),
    SettingInfo("THREADLIFT_DATE_FORMAT", "how days are written on pages and documents: DD Mon YYYY (default), "
                "YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY"),
    SettingInfo("THREADLIFT_SESSION_IDLE_MINUTES", "sign-out after this many idle minutes (5-480)"),
    SettingInfo("THREADLIFT_SESSION_MAX_HOURS", "sign-out after this many hours at most (1-24)"),
    SettingInfo("THREADLIFT_LOGIN_MAX_FAILURES", "wrong passwords in a row before an account is locked (3-20)"),
    SettingInfo("THREADLIFT_LOGIN_ADDRESS_MAX_FAILURES", "failed sign-ins from one address before it is locked "
                "(10-1000)"),
    SettingInfo("THREADLIFT_LOGIN_LOCK_MINUTES", "the first lock's minutes, doubled at each further failure (1-60)"),
    SettingInfo("THREADLIFT_LOGIN_MAX_LOCK_MINUTES", "the longest lock, in minutes (1-1440)"),
    SettingInfo("THREADLIFT_PG_DUMP", "pg_dump program for backups of PostgreSQL (default: found on the PATH)"),
    SettingInfo("THREADLIFT_LOG_LEVEL", "critical, error, warning, info or debug"),
    SettingInfo("THREADLIFT_CLINIC_NAME", "the clinic's name on patient documents and in FHIR exports"),
    SettingInfo("THREADLIFT_CLINIC_PHONE", "the clinic's 24/7 number, printed on aftercare sheets and letters"),
    SettingInfo("THREADLIFT_FHIR_BASE_URL", "base of the fullUrl of exported FHIR resources (the clinic's FHIR "
                "server, if it has one)"),
    SettingInfo("THREADLIFT_PUBLIC_URL", "the address patients and staff open (https://...), for links in e-mails"),
    SettingInfo("THREADLIFT_SMTP_URL", "smtp://user:password@host:587 (STARTTLS; smtps:// for TLS, ?tls=none for a "
                "relay on this machine); unset: e-mails wait in the outbox", secret=True),
    SettingInfo("THREADLIFT_MAIL_FROM", "the From address of the clinic's e-mails"),
    SettingInfo("THREADLIFT_ONCALL_EMAIL", "the clinician on call, alerted by red-flag check-ins"),
    SettingInfo("THREADLIFT_CHECKIN_HOURS", "hours after the procedure when patients are asked to check in "
                "(comma-separated, 1-2160)"),
    SettingInfo("THREADLIFT_CHECKIN_WINDOW_HOURS", "hours a check-in stays open before answers count as late (1-168)"),
    SettingInfo("THREADLIFT_ROOMS", "the rooms follow-up appointments are booked in (comma-separated)"),
    SettingInfo("THREADLIFT_CLINIC_HOURS", "when appointments may be booked, each day, on the clinic's "
                "clock (HH:MM-HH:MM)"),
    SettingInfo("THREADLIFT_DURABILITY_THRESHOLD_MM", "outcome statistics: a lift lasts while it measures at least "
                "this many mm (0.1-20, default 1.0)"),
    SettingInfo("THREADLIFT_OUTCOME_MIN_PATIENTS", "outcome statistics: figures on fewer patients are withheld "
                "(1-10000, default 10)"),
)


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("threadlift", appauthor=False)


def default_key_file() -> Path:
    from platformdirs import user_config_path

    return user_config_path("threadlift", appauthor=False) / KEY_FILE_NAME


def demo_key_file() -> Path:
    """The demo clinics' key: apart from any real clinic's, and from the demo folder."""
    from platformdirs import user_config_path

    return user_config_path("threadlift", appauthor=False) / "demo-photo-vault.key"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    jurisdiction: Jurisdiction = Jurisdiction.UK
    session_idle_minutes: int = 30  # automatic logoff (records-standards.md d1)
    session_max_hours: int = 12
    timezone: str = "Europe/London"  # the clinic's clock, for the times shown on pages
    date_format: str = DEFAULT_DATE_FORMAT  # how days are written (clinic.dates.DATE_FORMATS)
    clinic_name: str = "ThreadLift clinic"  # on patient documents and as the FHIR Organization
    clinic_phone: str | None = None  # printed on aftercare sheets and letters (the 24/7 contact, DIS-01)
    fhir_base_url: str = "https://threadlift.invalid/fhir"  # the Bundle entries' fullUrl base (.invalid: none set)
    policy_overrides: dict[str, object] = field(default_factory=dict)
    sign_in: SignInPolicy = field(default_factory=SignInPolicy)  # throttling of wrong passwords
    key_file: Path | None = None  # None: the platform default (see default_key_file)
    key_text: str | None = field(default=None, repr=False)  # THREADLIFT_KEY: the key itself
    pg_dump: str | None = None
    log_level: str = "warning"
    public_url: str = "http://127.0.0.1:8000"  # where patients and staff open the site: links in e-mails
    smtp_url: str | None = field(default=None, repr=False)  # None: e-mails wait in the outbox
    mail_from: str = "threadlift@localhost"
    on_call_email: str | None = None  # the clinician on call (red-flag check-ins)
    check_in_hours: tuple[int, ...] = (48, 168)  # issue 17 §4: 48 hours and 7 days after the procedure
    check_in_window_hours: int = 24
    rooms: tuple[str, ...] = ("Room 1", "Room 2")  # where follow-up appointments are booked
    clinic_hours: tuple[time, time] = (time(8, 0), time(20, 0))  # when they may be booked, on the clinic's clock
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        sources = {s.variable: "environment" if env.get(s.variable) else "default" for s in SETTINGS}
        data_dir = Path(env["THREADLIFT_DATA_DIR"]).expanduser().resolve() if env.get("THREADLIFT_DATA_DIR") \
            else default_data_dir()
        url = env.get("THREADLIFT_DATABASE_URL") or f"sqlite:///{data_dir / 'threadlift.db'}"
        if not url.startswith(DATABASE_SCHEMES):
            scheme = url.split("://", 1)[0] + "://" if "://" in url else "no scheme"
            raise ConfigurationError(f"THREADLIFT_DATABASE_URL must be postgresql://user:password@host/database or "
                                     f"sqlite:////path/to/threadlift.db (it has {scheme}); or leave it unset for "
                                     "SQLite in the data folder")
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
        written = env.get("THREADLIFT_DATE_FORMAT", "").strip() or DEFAULT_DATE_FORMAT
        try:
            date_pattern(written)
        except ValueError as error:
            raise ConfigurationError(f"THREADLIFT_DATE_FORMAT: {error}") from None
        written = next(name for name in DATE_FORMATS if name.lower() == written.lower())
        level = env.get("THREADLIFT_LOG_LEVEL", "warning").lower()
        if level not in LOG_LEVELS:
            raise ConfigurationError(f"THREADLIFT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        first_lock = _bounded(env, "THREADLIFT_LOGIN_LOCK_MINUTES", 1, 1, 60)
        sign_in = SignInPolicy(
            account_failures=_bounded(env, "THREADLIFT_LOGIN_MAX_FAILURES", 5, 3, 20),
            address_failures=_bounded(env, "THREADLIFT_LOGIN_ADDRESS_MAX_FAILURES", 30, 10, 1000),
            first_lock_minutes=first_lock,
            longest_lock_minutes=_bounded(env, "THREADLIFT_LOGIN_MAX_LOCK_MINUTES", max(60, first_lock), first_lock,
                                          1440))
        key_file = Path(env["THREADLIFT_KEY_FILE"]).expanduser().resolve() if env.get("THREADLIFT_KEY_FILE") else None
        return cls(data_dir=data_dir, database_url=normalise_database_url(url), jurisdiction=jurisdiction,
                   timezone=zone, date_format=written,
                   session_idle_minutes=_bounded(env, "THREADLIFT_SESSION_IDLE_MINUTES", 30, 5, 480),
                   session_max_hours=_bounded(env, "THREADLIFT_SESSION_MAX_HOURS", 12, 1, 24), key_file=key_file,
                   key_text=env.get("THREADLIFT_KEY") or None, pg_dump=env.get("THREADLIFT_PG_DUMP") or None,
                   log_level=level, sources=sources, sign_in=sign_in,
                   clinic_name=env.get("THREADLIFT_CLINIC_NAME", "").strip() or cls.clinic_name,
                   clinic_phone=env.get("THREADLIFT_CLINIC_PHONE", "").strip() or None,
                   fhir_base_url=env.get("THREADLIFT_FHIR_BASE_URL", "").strip() or cls.fhir_base_url,
                   policy_overrides=_outcome_settings(env), **_mail_settings(env), **_diary_settings(env))

    @property
    def policy(self) -> ClinicPolicy:
        return ClinicPolicy.for_jurisdiction(self.jurisdiction, **self.policy_overrides)

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def key_path(self) -> Path:
        return self.key_file or default_key_file()

    def ensure_data_dir(self) -> Path:
        """The data folder, created private (0700): it holds the database file and the photos."""
        try:
            if not self.data_dir.exists():
                self.data_dir.mkdir(parents=True, mode=0o700)
        except OSError as error:
            raise ConfigurationError(f"THREADLIFT_DATA_DIR {self.data_dir} cannot be created ({error.strerror}): "
                                     "name a folder this service may write, or create it") from None
        if not self.data_dir.is_dir():
            raise ConfigurationError(f"THREADLIFT_DATA_DIR {self.data_dir} is not a folder: name the clinic's data "
                                     "folder (or a new one)")
        return self.data_dir


def _mail_settings(env: dict[str, str]) -> dict[str, Any]:
    """The portal's e-mail and check-in settings (issue 17)."""
    smtp = env.get("THREADLIFT_SMTP_URL", "").strip() or None
    if smtp is not None and not smtp.startswith(("smtp://", "smtps://")):
        raise ConfigurationError("THREADLIFT_SMTP_URL must look like smtp://user:password@host:587 (STARTTLS) or "
                                 "smtps://user:password@host:465")
    public = env.get("THREADLIFT_PUBLIC_URL", "").strip().rstrip("/")
    if public and not public.startswith(("https://", "http://")):
        raise ConfigurationError("THREADLIFT_PUBLIC_URL must be the site's address, e.g. https://clinic.example.org")
    hours_text = env.get("THREADLIFT_CHECKIN_HOURS", "").strip()
    try:
        hours = tuple(sorted({int(part) for part in hours_text.split(",") if part.strip()})) if hours_text else None
    except ValueError:
        hours = ()
    if hours is not None and (not hours or not all(1 <= h <= 2160 for h in hours)):
        raise ConfigurationError(f"THREADLIFT_CHECKIN_HOURS must be whole numbers of hours from 1 to 2160, separated "
                                 f"by commas, e.g. 48,168 (it is {hours_text!r})")
    values: dict[str, Any] = {"smtp_url": smtp, "on_call_email": env.get("THREADLIFT_ONCALL_EMAIL", "").strip()
                                 or None, "check_in_window_hours": _bounded(env, "THREADLIFT_CHECKIN_WINDOW_HOURS",
                                                                            24, 1, 168)}
    if public:
        values["public_url"] = public
    if env.get("THREADLIFT_MAIL_FROM", "").strip():
        values["mail_from"] = env["THREADLIFT_MAIL_FROM"].strip()
    if hours:
        values["check_in_hours"] = hours
    return values


def _diary_settings(env: dict[str, str]) -> dict[str, Any]:
    """The rooms and hours follow-up appointments are booked in, when set."""
    values: dict[str, Any] = {}
    rooms_text = env.get("THREADLIFT_ROOMS", "").strip()
    if rooms_text:
        rooms = tuple(dict.fromkeys(part.strip() for part in rooms_text.split(",") if part.strip()))
        if not rooms or any(len(room) > 40 for room in rooms):
            raise ConfigurationError("THREADLIFT_ROOMS must name the rooms, separated by commas, each at most 40 "
                                     f"characters, e.g. Room 1,Room 2 (it is {rooms_text!r})")
        values["rooms"] = rooms
    hours_text = env.get("THREADLIFT_CLINIC_HOURS", "").strip()
    if hours_text:
        found = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", hours_text)
        try:
            opens, closes = (time(int(found[1]), int(found[2])), time(int(found[3]), int(found[4]))) if found \
                else (time(1), time(0))
        except ValueError:
            opens, closes = time(1), time(0)
        if opens >= closes:
            raise ConfigurationError("THREADLIFT_CLINIC_HOURS must be the opening and closing times on the clinic's "
                                     f"clock, e.g. 08:00-20:00 (it is {hours_text!r})")
        values["clinic_hours"] = (opens, closes)
    return values


def _outcome_settings(env: dict[str, str]) -> dict[str, object]:
    """The outcome statistics' clinic settings (issue 18), as policy overrides when set."""
    found: dict[str, object] = {}
    text = env.get("THREADLIFT_DURABILITY_THRESHOLD_MM", "").strip()
    if text:
        try:
            threshold = float(text)
        except ValueError:
            threshold = 0.0
        if not 0.1 <= threshold <= 20:
            raise ConfigurationError("THREADLIFT_DURABILITY_THRESHOLD_MM must be a number of mm from 0.1 to 20, "
                                     f"e.g. 1.0 (it is {text!r})")
        found["durability_threshold_mm"] = threshold
    if env.get("THREADLIFT_OUTCOME_MIN_PATIENTS"):
        found["outcome_min_patients"] = _bounded(env, "THREADLIFT_OUTCOME_MIN_PATIENTS", 10, 1, 10_000)
    return found


def _bounded(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise ConfigurationError(f"{name} must be a whole number from {low} to {high} (it is {text!r})")
    return value


def redacted_url(url: str) -> str:
    """A database URL without its password (for messages and logs)."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def normalise_database_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class VaultKeys:
    ring: KeyRing
    key_file: KeyFile | None  # None: the key came from THREADLIFT_KEY
    created: Path | None = None  # the key file made by this run (first run of an empty clinic)
    unsaved: bool = False  # made but not yet written to ``created`` (see save_new_key)


def vault_keys(settings: Settings, *, create: bool = True, replacing: bool = False, write: bool = True) -> VaultKeys:
    """The photo keys: ``THREADLIFT_KEY``, or the key file. An empty clinic's first run makes the key file
    (0600, outside the data folder) and says where; a clinic with photos but no key refuses to start
    rather than make a new key that could not open them (``replacing``: a restore replaces them).
    ``write=False``: a new key is made but not yet written (``VaultKeys.unsaved``); :func:`save_new_key`
    writes it once the caller knows it will go ahead (a restore, after the archive checked out)."""
    if settings.key_text:
        keys = [decode_key(part.strip()) for part in settings.key_text.split(",") if part.strip()]
        if not keys or any(k is None for k in keys):
            raise ConfigurationError("THREADLIFT_KEY must be 32 bytes, base64 or hex encoded (e.g. from: python -c "
                                     "'import os,base64;print(base64.b64encode(os.urandom(32)).decode())')")
        return VaultKeys(KeyRing(tuple(k for k in keys if k is not None)), None)
    path = settings.key_path
    variable = "THREADLIFT_KEY_FILE" if settings.key_file else "the default THREADLIFT_KEY_FILE"
    legacy = settings.data_dir / KEY_FILE_NAME
    if _inside(path, settings.data_dir):
        raise ConfigurationError(f"{variable} {path} is inside the data folder {settings.data_dir}: any copy of the "
                                 "folder would carry the key. Keep the key elsewhere (e.g. /etc/threadlift/)")
    if path.exists():
        source = KeyFile(path)
        try:
            return VaultKeys(source.load(), source)
        except UnusableKey as error:
            raise ConfigurationError(f"{variable}: {error}") from None
    if legacy.exists():
        raise ConfigurationError(f"the photo key is inside the data folder ({legacy}), where any copy of the folder "
                                 f"carries it. Move it out: mkdir -p -m 700 {path.parent} && mv {legacy} {path} "
                                 "(or set THREADLIFT_KEY_FILE to where you keep it)")
    photos = 0 if replacing else _count_files(settings.photo_dir)
    if photos:
        raise ConfigurationError(f"{settings.photo_dir} holds {photos} photo file(s) but there is no photo key at "
                                 f"{path}: set THREADLIFT_KEY_FILE (or THREADLIFT_KEY) to this clinic's key. A new "
                                 "key would not open them, so none is made")
    if not create:
        raise ConfigurationError(f"no photo key at {path}: set THREADLIFT_KEY_FILE or THREADLIFT_KEY")
    ring = KeyRing((new_key(),))
    if not write:
        return VaultKeys(ring, None, created=path, unsaved=True)
    try:
        write_key_file(path, ring, create_only=True)
    except FileExistsError:  # another process of this clinic made it a moment ago
        pass
    except OSError as error:
        raise _unwritable_key(path, error) from None
    source = KeyFile(path)
    log.warning("created the photo key at %s (0600); back it up apart from the data folder", path)
    return VaultKeys(source.load(), source, created=path)


def save_new_key(keys: VaultKeys) -> VaultKeys:
    """Write the new key that ``vault_keys(..., write=False)`` made (nothing to do for a key that exists).
    Refused when a key file appeared meanwhile: what was sealed under the new key would not open with it."""
    if not keys.unsaved or keys.created is None:
        return keys
    path = keys.created
    try:
        write_key_file(path, keys.ring, create_only=True)
    except FileExistsError:
        raise ConfigurationError(f"a photo key file appeared at {path} meanwhile (another run of ThreadLift?): "
                                 "nothing was changed; run it again") from None
    except OSError as error:
        raise _unwritable_key(path, error) from None
    log.warning("created the photo key at %s (0600); back it up apart from the data folder", path)
    source = KeyFile(path)
    return VaultKeys(source.load(), source, created=path)


def _unwritable_key(path: Path, error: OSError) -> ConfigurationError:
    return ConfigurationError(f"cannot create the photo key at {path} ({error.strerror}): set "
                              "THREADLIFT_KEY_FILE to a file this service may write, or create one")


@dataclass(frozen=True)
class SettingRow:
    variable: str
    value: str
    source: str
    help: str


def describe_settings(settings: Settings) -> list[SettingRow]:
    """What ``threadlift config show`` prints: each setting's value in use, secrets masked."""
    from sqlalchemy.engine import make_url

    key_note = "not set"
    if settings.key_text:
        ids = [key_id(k).hex() for k in (decode_key(p.strip()) for p in settings.key_text.split(",")) if k]
        key_note = f"******** (key id {', '.join(ids) or 'invalid'})"
    key_path = settings.key_path
    try:
        held = "key id " + ", ".join(k.hex() for k in read_key_file(key_path).by_id()) if key_path.exists() \
            else "no file yet: made on the first run of an empty clinic"
    except UnusableKey as error:
        held = f"unusable: {error}"
    values = {
        "THREADLIFT_DATA_DIR": str(settings.data_dir),
        "THREADLIFT_DATABASE_URL": make_url(settings.database_url).render_as_string(hide_password=True),
        "THREADLIFT_KEY": key_note,
        "THREADLIFT_KEY_FILE": ("(not used: THREADLIFT_KEY is set)" if settings.key_text else f"{key_path} ({held})"),
        "THREADLIFT_JURISDICTION": settings.jurisdiction.value,
        "THREADLIFT_TIMEZONE": settings.timezone,
        "THREADLIFT_DATE_FORMAT": settings.date_format,
        "THREADLIFT_SESSION_IDLE_MINUTES": str(settings.session_idle_minutes),
        "THREADLIFT_SESSION_MAX_HOURS": str(settings.session_max_hours),
        "THREADLIFT_LOGIN_MAX_FAILURES": str(settings.sign_in.account_failures),
        "THREADLIFT_LOGIN_ADDRESS_MAX_FAILURES": str(settings.sign_in.address_failures),
        "THREADLIFT_LOGIN_LOCK_MINUTES": str(settings.sign_in.first_lock_minutes),
        "THREADLIFT_LOGIN_MAX_LOCK_MINUTES": str(settings.sign_in.longest_lock_minutes),
        "THREADLIFT_PG_DUMP": settings.pg_dump or "(found on the PATH when a backup needs it)",
        "THREADLIFT_LOG_LEVEL": settings.log_level,
        "THREADLIFT_CLINIC_NAME": settings.clinic_name,
        "THREADLIFT_CLINIC_PHONE": settings.clinic_phone or "(none: aftercare sheets print no number)",
        "THREADLIFT_FHIR_BASE_URL": settings.fhir_base_url,
        "THREADLIFT_PUBLIC_URL": settings.public_url,
        "THREADLIFT_SMTP_URL": redacted_url(settings.smtp_url) if settings.smtp_url
        else "(none: e-mails wait in the outbox)",
        "THREADLIFT_MAIL_FROM": settings.mail_from,
        "THREADLIFT_ONCALL_EMAIL": settings.on_call_email or "(none: red flags show on the dashboard only)",
        "THREADLIFT_CHECKIN_HOURS": ",".join(map(str, settings.check_in_hours)),
        "THREADLIFT_CHECKIN_WINDOW_HOURS": str(settings.check_in_window_hours),
        "THREADLIFT_ROOMS": ",".join(settings.rooms),
        "THREADLIFT_CLINIC_HOURS": "-".join(t.strftime("%H:%M") for t in settings.clinic_hours),
        "THREADLIFT_DURABILITY_THRESHOLD_MM": f"{settings.policy.durability_threshold_mm:g}",
        "THREADLIFT_OUTCOME_MIN_PATIENTS": str(settings.policy.outcome_min_patients),
    }
    defaults = {"THREADLIFT_DATA_DIR": "default: the platform's data directory",
                "THREADLIFT_KEY_FILE": "default: the platform's configuration directory",
                "THREADLIFT_DATABASE_URL": "default: SQLite in the data folder"}
    return [SettingRow(s.variable, values[s.variable],
                       settings.sources.get(s.variable, "given") if settings.sources.get(s.variable) != "default"
                       else defaults.get(s.variable, "default"), s.help) for s in SETTINGS]


def read_keys_from(path: Path) -> KeyRing:
    """A key file named on the command line (restore, rotation): the same checks as the clinic's own."""
    try:
        return read_key_file(path)
    except UnusableKey as error:
        raise ConfigurationError(str(error)) from None


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _count_files(folder: Path) -> int:
    if not folder.is_dir():
        return 0
    with os.scandir(folder) as entries:
        return sum(1 for e in entries if e.name.isalnum() and e.is_file())
