"""A running clinic for API tests: database (SQLite or PostgreSQL), services, app, staff, a settable clock."""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from tests.helpers.clinic import CONSENT_DOCUMENT
from threadlift.bootstrap import services_on
from threadlift.clinic.roles import Role
from threadlift.clinic.staff import StaffAccount, User
from threadlift.clinic.threads import ThreadLot, ThreadLotEntry
from threadlift.config import Settings
from threadlift.services import consents, people, stock
from threadlift.services.base import Services
from threadlift.services.commands import AddConsentDocument, CreateUser, ReceiveLot
from threadlift.store import migrate
from threadlift.store.vault import PhotoVault
from threadlift.web.app import create_app

POSTGRES_URL = os.environ.get("THREADLIFT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse battery staple"
STAFF = {"admin": Role.ADMIN, "dr-hale": Role.CLINICIAN, "dr-osei": Role.CLINICIAN, "nurse-ade": Role.NURSE,
         "reception-kim": Role.RECEPTION}


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class PostgresSchema:
    """A throw-away schema in the test database, so runs never see each other's rows."""

    def __init__(self) -> None:
        self.name = f"tl_{secrets.token_hex(6)}"
        self.admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        try:
            with self.admin.connect() as connection:
                connection.execute(text(f"CREATE SCHEMA {self.name}"))
        except Exception as error:
            raise RuntimeError(f"PostgreSQL is not reachable at {POSTGRES_URL} ({type(error).__name__}); start it "
                               "(.ci/run does: pg_ctlcluster <version> main start)") from error
        self.url = f"{POSTGRES_URL}?options=-csearch_path%3D{self.name}"

    def drop(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {self.name} CASCADE"))
        self.admin.dispose()


def database_url(kind: str, folder: Path) -> tuple[str, PostgresSchema | None]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'threadlift.db'}", None
    schema = PostgresSchema()
    return schema.url, schema


@dataclass
class Clinic:
    services: Services
    client: TestClient
    clock: Clock
    tokens: dict[str, str]
    url: str
    staff: dict[str, User]

    def user(self, username: str) -> User:
        """A member of staff, for calling the use cases directly (no sign-in needed)."""
        return self.staff[username]

    def close(self) -> None:
        """Close the clinic's database connections (PostgreSQL allows a hundred at once, for every test run
        on the machine)."""
        self.client.close()
        self.services.uow_factory.close()  # type: ignore[attr-defined]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def call(self, who: str, method: str, path: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.request(method, path, headers=self.headers(who), **kwargs)

    def sign_in_all(self) -> None:
        for username in STAFF:
            response = self.client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            self.tokens[username] = response.json()["token"]

    def next_day(self, days: int = 1) -> None:
        """Overnight: sessions end (12 h at most); everyone signs in again in the morning."""
        self.clock.now += timedelta(days=days)
        self.sign_in_all()

    def receive_expired_lot(self, entry: ThreadLotEntry) -> ThreadLot:
        """A lot received while it was in date (on its received_on day) that has since expired: a lot past its
        expiry is refused at receipt, so this is how one comes to be in stock."""
        now = self.clock.now
        self.clock.now = datetime.combine(entry.received_on, now.timetz())
        try:
            return stock.receive_lot(self.services, self.user("nurse-ade"), ReceiveLot(lot=entry))
        finally:
            self.clock.now = now

    def wait(self, **delta: float) -> None:
        """Let time pass with the staff at work: each session is used every 10 minutes, so none times out."""
        remaining = timedelta(**delta)
        while remaining > timedelta(0):
            step = min(remaining, timedelta(minutes=10))
            self.clock.now += step
            remaining -= step
            for who in self.tokens:
                self.client.get("/api/auth/me", headers=self.headers(who))


def upgraded(url: str) -> None:
    """The database at ``url`` at the migrations' head. A new SQLite file is a copy of one migrated once in
    this process (the migrations themselves are tested in tests/api/test_store.py); the rest migrate."""
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if path is None or path.exists():
        migrate.upgrade(url)
        return
    if not _SQLITE_AT_HEAD.exists():
        _SQLITE_AT_HEAD.parent.mkdir(parents=True, exist_ok=True)
        migrate.upgrade(f"sqlite:///{_SQLITE_AT_HEAD}")
        with sqlite3.connect(_SQLITE_AT_HEAD) as connection:  # everything in the file itself, no -wal beside it
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(_SQLITE_AT_HEAD, path)


_SQLITE_AT_HEAD = Path(tempfile.gettempdir()) / f"threadlift-tests-{os.getpid()}-{secrets.token_hex(4)}" / "head.db"


def open_clinic(url: str, folder: Path, jurisdiction: str = "UK") -> Clinic:
    upgraded(url)
    settings = Settings(data_dir=folder, database_url=url, jurisdiction=jurisdiction,  # type: ignore[arg-type]
                        policy_overrides={"cooling_off_days": 0})
    clock = Clock()
    services = services_on(settings, PhotoVault(folder / "photos", secrets.token_bytes(32)), clock=clock)
    staff = {username: people.create_user(services, None, CreateUser(account=StaffAccount(
        username=username, display_name=username.replace("-", " ").title(), role=role, password=PASSWORD)))
        for username, role in STAFF.items()}
    consents.add_consent_document(services, None, AddConsentDocument(document=CONSENT_DOCUMENT))
    clinic = Clinic(services, TestClient(create_app(services)), clock, {}, url, staff)
    clinic.sign_in_all()
    return clinic
