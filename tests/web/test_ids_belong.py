"""Routes that take several ids check that they belong together (issue 13): another patient's photos on
this episode's compare page, another patient's consent under this patient's address, answer 404, and
nothing of the other patient is opened or recorded as read."""

from __future__ import annotations

from uuid import UUID

from tests.helpers.clinic import NOON
from tests.helpers.records import Clinic
from tests.helpers.web import PageUser
from tests.web.test_pages import registered
from threadlift.clinic.photos import PhotoRecord, PhotoStage


def stored_photo(clinic: Clinic, patient: UUID, episode: UUID, stage: PhotoStage) -> UUID:
    """A photo row as an upload leaves it (its file is never opened here: ownership is checked first)."""
    record = PhotoRecord(patient_id=patient, episode_id=episode, view="frontal", stage=stage,
                         stored_name=clinic.services.vault.put(b"not opened"), original_sha256="0" * 64,
                         stored_sha256="0" * 64, content_type="image/jpeg", size_bytes=10, location_removed=False,
                         uploaded_at=NOON, uploaded_by=clinic.user("nurse-ade").id, quality_ok=True, analysis={})
    with clinic.services.uow() as uow:
        uow.photos.add(record)
        uow.commit()
    return record.id


def test_another_patients_photos_are_not_compared_under_this_episode(clinic: Clinic):
    _, episode_a = registered(clinic)
    patient_b, episode_b = registered(clinic)
    before = stored_photo(clinic, patient_b, episode_b, PhotoStage.BASELINE)
    after = stored_photo(clinic, patient_b, episode_b, PhotoStage.FOLLOW_UP)
    nurse = PageUser(clinic, "nurse-ade")
    for address in (f"/episodes/{episode_a}/compare/{before}/{after}",
                    f"/episodes/{episode_a}/compare/{before}/{after}/after.jpg"):
        assert nurse.get(address).status_code == 404, address
    mixed = stored_photo(clinic, patient_b, episode_a, PhotoStage.FOLLOW_UP)  # a row filed under the wrong episode
    assert nurse.get(f"/episodes/{episode_a}/compare/{before}/{mixed}").status_code == 404
    reads = [r for r in clinic.call("admin", "GET", "/api/audit").json() if r["entity_type"] == "photo"]
    assert reads == []  # no photo of B was opened


def test_another_patients_consent_is_not_withdrawn_under_this_patient(clinic: Clinic):
    patient_a, _ = registered(clinic)
    patient_b, _ = registered(clinic)
    consent_b = clinic.call("reception-kim", "GET", f"/api/patients/{patient_b}/photo-consents").json()[0]["id"]
    reception = PageUser(clinic, "reception-kim")
    refused = reception.post(f"/patients/{patient_a}/photo-consents/{consent_b}/withdraw", {"reason": "x"})
    assert refused.status_code == 404
    kept = clinic.call("reception-kim", "GET", f"/api/patients/{patient_b}/photo-consents").json()[0]
    assert kept["withdrawn_at"] is None
