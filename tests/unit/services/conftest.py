"""Use cases on the in-memory fakes: no database, so each test takes milliseconds."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest

from tests.fakes import FakeUnitsOfWork, fake_services
from tests.helpers.clinic import CLINICAL_PHOTOS, CONSENT_DOCUMENT, consultation_entry, details, signature_png
from tests.helpers.records import STAFF, Clock
from threadlift.clinic.consent import ConsentSignature
from threadlift.clinic.staff import StaffAccount, User
from threadlift.services import consents, consultation, episodes, people
from threadlift.services.base import Services
from threadlift.services.commands import (
    AddConsentDocument,
    CreateUser,
    DecideSuitability,
    GivePhotoConsent,
    OpenEpisode,
    RecordConsultation,
    RegisterPatient,
    SignConsent,
)
from threadlift.store.audit import AuditEntry


@dataclass
class Clinic:
    services: Services
    units: FakeUnitsOfWork
    clock: Clock
    staff: dict[str, User]

    def user(self, username: str) -> User:
        return self.staff[username]

    def actions(self) -> list[str]:
        """The audit trail's actions, oldest first."""
        return [entry.action for entry in self.units.db.audit]

    def last_change(self) -> AuditEntry:
        """The newest audit row that is not a read."""
        return next(e for e in reversed(self.units.db.audit) if e.action != "read")


@pytest.fixture
def clinic() -> Clinic:
    clock = Clock()
    services, units = fake_services(clock, policy_overrides={"cooling_off_days": 0})
    staff = {name: people.create_user(services, None, CreateUser(account=StaffAccount(
        username=name, display_name=name.title(), role=role, password="a long test passphrase")))
        for name, role in STAFF.items()}
    consents.add_consent_document(services, None, AddConsentDocument(document=CONSENT_DOCUMENT))
    return Clinic(services, units, clock, staff)


def registered(clinic: Clinic) -> tuple[UUID, UUID]:
    """A patient with photo consent and an open episode, as reception leaves them."""
    reception = clinic.user("reception-kim")
    patient = people.register_patient(clinic.services, reception, RegisterPatient(details=details()))
    consents.give_photo_consent(clinic.services, reception, GivePhotoConsent(patient_id=patient.id,
                                                                             grant=CLINICAL_PHOTOS))
    episode = episodes.open_episode(clinic.services, reception, OpenEpisode(patient_id=patient.id))
    return patient.id, episode.id


def consented(clinic: Clinic) -> UUID:
    """An episode with its consultation, a suitable decision and a signed consent."""
    _, episode = registered(clinic)
    hale = clinic.user("dr-hale")
    consultation.record_consultation(clinic.services, hale, RecordConsultation(
        episode_id=episode, consultation=consultation_entry()))
    consultation.decide_suitability(clinic.services, hale, DecideSuitability(episode_id=episode))
    consents.sign_consent(clinic.services, hale, SignConsent(episode_id=episode, client_address="test", signature=(
        ConsentSignature(document_version="2026.1", typed_name="Adaeze Okafor", signature_png_base64=signature_png()))))
    return episode
