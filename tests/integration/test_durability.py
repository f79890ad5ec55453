"""kill -9 during writes, ten times on each database: the database opens, the audit chain verifies, no
acknowledged write is lost, and the photo vault holds exactly the files its records name (after the
start-up recovery that settles uploads cut off between their file and their record)."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import secrets
import signal
import time
from pathlib import Path
from uuid import UUID

import pytest
from PIL import Image
from sqlalchemy import text

from tests.helpers import durable_writer
from tests.helpers.clinic import CONSENT_DOCUMENT
from tests.helpers.hostile import encoded, face_rgb
from tests.helpers.records import PASSWORD, STAFF
from threadlift.bootstrap import services_on
from threadlift.clinic.staff import StaffAccount
from threadlift.config import Settings
from threadlift.services import consents, operations, people
from threadlift.services.analysers import summarise_here
from threadlift.services.audit import verify_audit
from threadlift.services.commands import AddConsentDocument, CreateUser
from threadlift.store import migrate
from threadlift.store.vault import PhotoVault

pytestmark = pytest.mark.mediapipe

KILLS = 10
# Writers are forked from a server process that imported the writer (and ThreadLift) once: no threads,
# no open database, so each fork is clean and starts writing at once.
WRITERS = multiprocessing.get_context("forkserver")
WRITERS.set_forkserver_preload(["tests.helpers.durable_writer"])


def test_kill_9_during_writes_loses_no_acknowledged_write_and_leaves_no_orphan_photo(database, tmp_path):
    migrate.upgrade(database)
    key = secrets.token_bytes(32)
    settings = Settings(data_dir=tmp_path, database_url=database)  # type: ignore[arg-type]
    svc = services_on(settings, PhotoVault(tmp_path / "photos", key))
    for username in ("reception-kim", "nurse-ade"):
        people.create_user(svc, None, CreateUser(account=StaffAccount(
            username=username, display_name=username, role=STAFF[username], password=PASSWORD)))
    consents.add_consent_document(svc, None, AddConsentDocument(document=CONSENT_DOCUMENT))
    photo = tmp_path / "face.jpg"
    photo.write_bytes(encoded(Image.fromarray(face_rgb()), "JPEG", quality=90))
    analysis = tmp_path / "analysis.json"
    analysis.write_text(json.dumps(summarise_here(photo.read_bytes()).document))
    svc.uow_factory.close()  # type: ignore[attr-defined]

    rng = random.Random(13)
    acknowledged: dict[str, list[str]] = {"patient": [], "photo": []}
    settled = [0, 0]
    for _ in range(KILLS):
        lines = write_until_killed(database, tmp_path, key, analysis, photo, rng.randint(1, 6), rng.uniform(0, 0.05))
        for line in lines:
            kind, _, value = line.partition(" ")
            if kind in acknowledged:
                acknowledged[kind].append(value)
        settled = [a + b for a, b in zip(settled, check_after_crash(settings, key, acknowledged), strict=True)]
    assert acknowledged["photo"], acknowledged  # the kills landed among photo writes too
    print(f"\n{KILLS} kills: {len(acknowledged['patient'])} patients and {len(acknowledged['photo'])} photos "
          f"acknowledged, none lost; recovery published {settled[0]} and removed {settled[1]} pending photo files")


def write_until_killed(url: str, folder: Path, key: bytes, analysis: Path, photo: Path, writes: int,
                       after_s: float) -> list[str]:
    """One writer, forked from a server process that has imported ThreadLift once (starting a Python for
    each kill would cost seconds), killed ``after_s`` seconds after its ``writes``-th acknowledged write
    (counted, not timed: on a busy machine as on an idle one, the kill lands among writes); its
    acknowledged lines."""
    ack = folder / f"ack-{secrets.token_hex(4)}.txt"
    process = WRITERS.Process(target=durable_writer.main, args=(url, str(folder), key.hex(), str(analysis), str(photo),
                                                               str(ack)))
    process.start()
    deadline = time.monotonic() + 120
    while process.is_alive() and time.monotonic() < deadline and not (ack.exists() and ack.read_text()):
        time.sleep(0.01)
    assert process.is_alive() and ack.read_text().startswith("ready"), f"writer exited with {process.exitcode}"
    while process.is_alive() and time.monotonic() < deadline and len(ack.read_text().splitlines()) <= writes:
        time.sleep(0.002)
    time.sleep(after_s)
    os.kill(process.pid, signal.SIGKILL)  # type: ignore[arg-type]
    process.join()
    assert process.exitcode == -signal.SIGKILL
    return ack.read_text().splitlines()[1:]


def check_after_crash(settings: Settings, key: bytes, acknowledged: dict[str, list[str]]) -> tuple[int, int]:
    svc = services_on(settings, PhotoVault(settings.photo_dir, key))
    try:
        settled = operations.recover_pending_files(svc, older_than_s=0)  # what the next start-up does (bootstrap)
        if settings.database_url.startswith("sqlite"):
            with svc.uow(read_only=True) as uow:
                assert uow.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"  # type: ignore[attr-defined]
        assert verify_audit(svc, None) is None
        with svc.uow(read_only=True) as uow:
            for patient_id in acknowledged["patient"]:
                uow.patients.get(UUID(patient_id))
            for photo_id in acknowledged["photo"]:
                uow.photos.get(UUID(photo_id))
            named = set(uow.session.execute(text("SELECT stored_name FROM photos")).scalars())  # type: ignore[attr-defined]
        assert set(svc.vault.names()) == named  # type: ignore[attr-defined]
        assert svc.vault.pending() == []
        return settled
    finally:
        svc.uow_factory.close()  # type: ignore[attr-defined]
