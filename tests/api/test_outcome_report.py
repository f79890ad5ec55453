"""The outcome report on real photos: the package's sample portrait and the same face with a simulated
lift of 2.5 mm at the midface, measured by the real comparison and laid out as a PDF."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.helpers.exports import store_patient
from tests.helpers.photos import before_and_after
from tests.helpers.records import Clinic
from threadlift.clinic.episode import State


def test_outcome_report_measures_the_lift_from_the_photos(clinic: Clinic):
    patient_id = store_patient(clinic.services, State.FOLLOW_UP, photo_files=before_and_after())
    with clinic.services.uow(read_only=True) as uow:
        [episode] = uow.episodes.for_patient(patient_id)
    episode_id = episode.id
    response = clinic.call("dr-hale", "GET", f"/api/episodes/{episode_id}/documents/outcome")
    assert response.status_code == 200, response.text
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Your outcome, measured from photos" in text and "How this was measured" in text
    midface = text[text.index("midface"):text.index("midface") + 120]
    assert "lifted 2." in midface or "lifted 3." in midface, midface  # the 2.5 mm simulated, within its ±
    assert len([x for page in reader.pages for x in page.images]) == 1  # the before/after picture
    assert len(response.content) < 1_500_000
