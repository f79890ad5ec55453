"""A clinic writing as fast as it can, to be killed (kill -9) at any moment by the durability test.

    python -m tests.helpers.durable_writer DATABASE_URL DATA_DIR KEY_HEX ANALYSIS_JSON PHOTO_FILE ACK_FILE

Registers patients and stores photos through the use cases, and appends each write's id to ACK_FILE
only after the use case has returned (the write is acknowledged), one write(2) per line, so a kill
never leaves half a line. The photo's analysis is replayed from
ANALYSIS_JSON, the real analyser's document for PHOTO_FILE made once by the test: loading the models in
every writer would cost seconds per kill and has nothing to do with what is under test (the database,
the audit chain and the photo vault).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from tests.helpers.clinic import CLINICAL_PHOTOS, details
from threadlift.bootstrap import services_on
from threadlift.config import Settings
from threadlift.services import consents, episodes, people, photos
from threadlift.services.commands import GivePhotoConsent, OpenEpisode, PhotoUpload, RegisterPatient
from threadlift.services.ports import AnalysisSummary
from threadlift.store.vault import PhotoVault


class ReplayedAnalysis:
    """The photo analyser's answer for the one photo this writer stores, as the real analyser gave it."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def analyse(self, data: bytes) -> Any:
        raise NotImplementedError("the writer only stores photos")

    def summarise(self, data: bytes, *, overlay: bool = False) -> AnalysisSummary:
        return AnalysisSummary(self.document)

    def close(self) -> None:
        """Nothing to stop."""


def main(url: str, folder: str, key_hex: str, analysis: str, photo: str, ack: str) -> None:
    acknowledged = os.open(ack, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def say(*words: object) -> None:
        os.write(acknowledged, (" ".join(map(str, words)) + "\n").encode())

    settings = Settings(data_dir=Path(folder), database_url=url)  # type: ignore[arg-type]
    svc = services_on(settings, PhotoVault(Path(folder) / "photos", bytes.fromhex(key_hex)))
    svc.analyser = ReplayedAnalysis(json.loads(Path(analysis).read_text()))
    data = Path(photo).read_bytes()
    reception = people.user_named(svc, None, "reception-kim")
    nurse = people.user_named(svc, None, "nurse-ade")
    say("ready")
    number = 0
    while True:
        number += 1
        person = people.register_patient(svc, reception, RegisterPatient(details=details(given_name=f"W{number}")))
        say("patient", person.id)
        if number % 2:
            continue
        consents.give_photo_consent(svc, reception, GivePhotoConsent(patient_id=person.id, grant=CLINICAL_PHOTOS))
        episode = episodes.open_episode(svc, reception, OpenEpisode(patient_id=person.id))
        stored = photos.upload(svc, nurse, PhotoUpload(episode_id=episode.id, data=data, view="frontal"))
        say("photo", stored.id)


if __name__ == "__main__":
    main(*sys.argv[1:7])
