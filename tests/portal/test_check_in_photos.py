"""A photo with a check-in: the clinic camera page's quality gate (MediaPipe on a real face), the patient told
what to change, and able to send it anyway, marked; none without consent to photos."""

from __future__ import annotations

import cv2
import pytest

from tests.helpers.clinic import CLINICAL_PHOTOS
from tests.helpers.photos import jpeg_bytes, read_rgb
from tests.portal.conftest import CALM
from threadlift.services import consents
from threadlift.services.commands import GivePhotoConsent

pytestmark = pytest.mark.mediapipe


def test_a_blurred_photo_is_explained_then_kept_marked_when_sent_anyway(clinic, recovering):
    someone, episode, first, _, patient = recovering
    blurred = jpeg_bytes(cv2.GaussianBlur(read_rgb("obama3.jpg"), (0, 0), 6))
    photo = {"photo": ("face.jpg", blurred, "image/jpeg")}
    refused = patient.client.post(f"/portal/check-ins/{first.id}", data={**CALM, "csrf": patient.csrf}, files=photo)
    assert refused.status_code == 409 and "no consent from you to keep photos" in refused.text
    consents.give_photo_consent(clinic.services, clinic.user("nurse-ade"),
                                GivePhotoConsent(patient_id=someone.id, grant=CLINICAL_PHOTOS))
    retake = patient.client.post(f"/portal/check-ins/{first.id}", data={**CALM, "csrf": patient.csrf}, files=photo)
    assert retake.status_code == 422 and 'id="photo-retake"' in retake.text and "send it anyway" in retake.text
    assert "hold the camera still" in retake.text and "the patient" not in retake.text  # words for the patient
    assert 'value="better" checked' in retake.text  # the answers are still there
    with clinic.services.uow(read_only=True) as uow:
        assert uow.portal.check_in(first.id).answered_at is None
    sent = patient.client.post(f"/portal/check-ins/{first.id}", files=photo,
                               data={**CALM, "csrf": patient.csrf, "send_anyway": "on"})
    assert sent.status_code == 200 and "usual recovery" in sent.text
    with clinic.services.uow(read_only=True) as uow:
        stored = uow.portal.check_in(first.id)
        (kept,) = uow.photos.for_episode(episode.id)[-1:]
    assert stored.photo_id == str(kept.id) and stored.photo_quality_ok is False
    assert kept.stage.value == "check_in" and not kept.quality_ok and kept.uploaded_by == "portal"
