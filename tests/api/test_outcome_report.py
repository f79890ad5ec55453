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


def test_outcome_report_with_several_follow_ups_plots_the_lift_over_time(clinic: Clinic):
    """Issue 16 §2: a second follow-up photo (uploaded as the clinic would, threads fading: 1.2 mm) adds the series
    plot and the earlier comparison to the report."""
    import numpy as np
    from PIL import Image

    from threadlift.face.analysis import default_analyzer
    from threadlift.face.load import load_photo
    from threadlift.face.simulate import simulate

    baseline, follow_up = before_and_after()
    patient_id = store_patient(clinic.services, State.FOLLOW_UP, photo_files=(baseline, follow_up))
    with clinic.services.uow(read_only=True) as uow:
        [episode] = uow.episodes.for_patient(patient_id)
    rgb = np.asarray(Image.open(io.BytesIO(baseline)).convert("RGB"))
    faded = simulate(rgb, default_analyzer().analyze(load_photo(baseline)), {"midface": 1.2}, label=False)
    buffer = io.BytesIO()
    Image.fromarray(faded).save(buffer, format="PNG")
    uploaded = clinic.call("nurse-ade", "POST", f"/api/episodes/{episode.id}/photos", data={
        "view": "frontal", "stage": "follow_up"}, files={"file": ("later.png", buffer.getvalue(), "image/png")})
    assert uploaded.status_code == 201, uploaded.text
    response = clinic.call("dr-hale", "GET", f"/api/episodes/{episode.id}/documents/outcome")
    assert response.status_code == 200, response.text
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "2 follow-up photos compared with the baseline photo" in text
    assert "Lift over time" in text and "Earlier follow-up (45 days after the baseline)" in text
    assert len([x for page in reader.pages for x in page.images]) == 2  # the latest pair and the series plot
