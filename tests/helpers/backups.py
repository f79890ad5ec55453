"""Clinics with records and photos for the backup tests, built fast (no photo analysis), and a way to
compare two clinics row by row and photo by photo."""

from __future__ import annotations

import hashlib
import io
import os
import random
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from PIL import Image
from sqlalchemy import create_engine, select, text

from tests.helpers.clinic import CONSENT_DOCUMENT, details
from tests.helpers.records import PASSWORD, STAFF
from threadlift.bootstrap import build
from threadlift.clinic.photos import PhotoRecord, PhotoStage
from threadlift.clinic.staff import StaffAccount
from threadlift.config import Settings
from threadlift.services import consents, episodes, people
from threadlift.services.base import Services
from threadlift.services.commands import AddConsentDocument, CreateUser, OpenEpisode, RegisterPatient
from threadlift.store import migrate
from threadlift.store.tables import Base, PhotoRow

PASSPHRASE = "a passphrase for the backups"


def jpeg(seed: int, size: tuple[int, int] = (320, 240)) -> bytes:
    rng = random.Random(seed)
    picture = Image.effect_noise(size, 40 + rng.random() * 20).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def staffed_clinic(settings: Settings, patients: int, photos_each: int) -> Services:
    """A migrated clinic at ``settings`` with the test staff, the consent document and patients with photos,
    through the composition root (its key file made on this first run)."""
    settings.ensure_data_dir()
    migrate.upgrade(settings.database_url)
    services = build(settings)
    for username, role in STAFF.items():
        people.create_user(services, None, CreateUser(account=StaffAccount(
            username=username, display_name=username.title(), role=role, password=PASSWORD)))
    consents.add_consent_document(services, None, AddConsentDocument(document=CONSENT_DOCUMENT))
    add_patients(services, patients, photos_each=photos_each)
    return services


def add_patients(svc: Services, count: int, photos_each: int = 1, start: int = 0) -> list[str]:
    """Patients with an open episode and photos stored as the upload service stores them (sealed in the
    vault, a row with the stored bytes' hash)."""
    actor = people.user_named(svc, None, "reception-kim")
    ids = []
    for n in range(start, start + count):
        person = people.register_patient(svc, actor, RegisterPatient(details=details(
            family_name=f"Family{n}", given_name=f"Given{n}", date_of_birth=date(1970, 1, 1 + n % 28))))
        episode = episodes.open_episode(svc, actor, OpenEpisode(patient_id=person.id))
        for k in range(photos_each):
            data = jpeg(n * 100 + k)
            name = svc.vault.put(data)
            with svc.uow() as uow:
                uow.photos.add(PhotoRecord(
                    id=uuid4(), patient_id=person.id, episode_id=episode.id, view="frontal",
                    stage=PhotoStage.BASELINE, stored_name=name, original_sha256=hashlib.sha256(data).hexdigest(),
                    stored_sha256=hashlib.sha256(data).hexdigest(), content_type="image/jpeg", size_bytes=len(data),
                    location_removed=False, uploaded_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC), uploaded_by=actor.id,
                    quality_ok=True, analysis={}))
                uow.commit()
        ids.append(str(person.id))
    return ids


def table_contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted, with values made comparable across databases."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: sorted((tuple(_plain(v) for v in row) for row in connection.execute(
                select(table))), key=_order) for table in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def _order(row: tuple[Any, ...]) -> tuple[tuple[str, Any], ...]:
    return tuple((type(v).__name__, v if isinstance(v, int | float | str) else repr(v)) for v in row)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return value


def photos(svc: Services) -> dict[str, str]:
    """SHA-256 of every photo's bytes, by stored name, read through the vault."""
    engine = create_engine(svc.settings.database_url)
    try:
        with engine.connect() as connection:
            names = list(connection.execute(select(PhotoRow.stored_name)).scalars())
    finally:
        engine.dispose()
    return {name: hashlib.sha256(svc.vault.get(name)).hexdigest() for name in names}


def passphrase_file(folder: Path, text_: str = PASSPHRASE) -> Path:
    path = folder / "passphrase"
    path.write_text(text_ + "\n")
    path.chmod(0o600)
    return path


def count(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())
    finally:
        engine.dispose()


def environment(**values: str) -> dict[str, str]:
    return {**os.environ, **values}
