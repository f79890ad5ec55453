"""`threadlift backup` and `threadlift restore` as an operator runs them, on SQLite and PostgreSQL: a
round trip gives the same records and byte-identical photos; a backup taken while writes go on restores
to a consistent clinic."""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.helpers.backups import (
    PASSPHRASE,
    add_patients,
    environment,
    passphrase_file,
    photos,
    staffed_clinic,
    table_contents,
)
from tests.helpers.records import POSTGRES_URL
from threadlift.bootstrap import build
from threadlift.config import Settings
from threadlift.services import audit
from threadlift.services.backup import create_backup
from threadlift.services.base import Services
from threadlift.services.restore import restore_backup
from threadlift.store.archive import Passphrase

PROGRAM = str(Path(sys.executable).with_name("threadlift"))


@dataclass
class Place:
    """A clinic's location: its data folder, its database, its key file."""

    data_dir: Path
    url: str
    key_file: Path

    def env(self) -> dict[str, str]:
        return environment(THREADLIFT_DATA_DIR=str(self.data_dir), THREADLIFT_DATABASE_URL=self.url,
                           THREADLIFT_KEY_FILE=str(self.key_file))

    def settings(self) -> Settings:
        return Settings.from_env(self.env())


class Databases:
    """Fresh PostgreSQL databases (dropped afterwards); the schema is ``public``, as in a clinic."""

    def __init__(self) -> None:
        self.admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        self.made: list[str] = []

    def new(self) -> str:
        name = f"tl_backup_{secrets.token_hex(5)}"
        with self.admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        self.made.append(name)
        return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"

    def drop(self) -> None:
        with self.admin.connect() as connection:
            for name in self.made:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        self.admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def places(request, tmp_path) -> Iterator[tuple[Place, Place]]:  # type: ignore[no-untyped-def]
    """A source clinic and an empty target, of the same kind."""
    databases = Databases()
    made = []
    for name in ("source", "target"):
        folder = tmp_path / name
        url = databases.new() if request.param == "postgresql" else f"sqlite:///{folder / 'threadlift.db'}"
        made.append(Place(folder, url, tmp_path / f"{name}-keys" / "photo.key"))
    yield made[0], made[1]
    databases.drop()


def open_source(place: Place, patients: int = 6) -> Services:
    return staffed_clinic(place.settings(), patients, photos_each=2)


def threadlift(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROGRAM, *args], capture_output=True, text=True, timeout=300, env=env,
                          stdin=subprocess.DEVNULL)


def test_round_trip_gives_the_same_records_and_byte_identical_photos(places, tmp_path):
    source_place, target_place = places
    source = open_source(source_place)
    before = table_contents(source_place.url)
    source_photos = photos(source)
    secret = passphrase_file(tmp_path)
    archive = tmp_path / "clinic.tlbackup"
    made = threadlift("backup", str(archive), "--passphrase-file", str(secret), env=source_place.env())
    assert made.returncode == 0 and "backup written to" in made.stdout, made.stderr
    assert archive.stat().st_mode & 0o077 == 0
    restored = threadlift("restore", str(archive), "--passphrase-file", str(secret), env=target_place.env())
    assert restored.returncode == 0, restored.stderr
    assert "restored into" in restored.stdout and restored.stdout.strip().endswith("audit trail intact")
    after = table_contents(target_place.url)
    for table, rows in before.items():
        if table in ("audit_log", "audit_head"):  # the restore appends its own row to the trail
            continue
        assert after[table] == rows, table
    assert after["audit_log"][:len(before["audit_log"])] == before["audit_log"]
    target = build(target_place.settings())
    assert photos(target) == source_photos  # byte-identical, read through the target's own key
    assert target.vault.ring.current_id != source.vault.ring.current_id  # sealed again under the target's key


def test_a_backup_while_writes_go_on_restores_to_a_consistent_clinic(places, tmp_path):
    source_place, target_place = places
    source = open_source(source_place, patients=30)
    committed: list[float] = []
    stop = threading.Event()

    def clinic_at_work() -> None:  # registrations with photos, as the server would store them
        n = 1000
        while not stop.is_set():
            add_patients(source, 1, photos_each=1, start=n)
            committed.append(time.monotonic())
            n += 1

    writer = threading.Thread(target=clinic_at_work)
    writer.start()
    try:
        while len(committed) < 3:
            time.sleep(0.01)
        started = time.monotonic()
        result = create_backup(source.settings, source.vault, tmp_path / "busy.tlbackup", Passphrase(PASSPHRASE))
        finished = time.monotonic()
        time.sleep(0.2)
    finally:
        stop.set()
        writer.join(timeout=60)
    during = [t for t in committed if started < t < finished]
    assert during, "no write went through while the backup ran"
    restored = restore_backup(tmp_path / "busy.tlbackup", Passphrase(PASSPHRASE), target_place.settings(),
                              replace=False)
    assert restored.counts == result.counts and restored.photos == result.photos
    target = build(target_place.settings())
    assert audit.verify_audit(target, None) is None
    target_photos, source_photos = photos(target), photos(source)
    assert len(target_photos) == result.photos and target_photos.items() <= source_photos.items()
    restored_rows, source_rows = table_contents(target_place.url), table_contents(source_place.url)
    assert set(restored_rows["patients"]) <= set(source_rows["patients"])
    assert len(source_rows["patients"]) > len(restored_rows["patients"])  # writes went on after the snapshot
