"""Outcome ratings on the follow-up page (OUT-01, OUT-03): recorded with the visit or added later, shown with
their labels, refused with the reason next to the follow-up."""

from __future__ import annotations

from uuid import UUID

import pytest

from tests.helpers.exports import store_patient
from tests.helpers.records import Clinic
from tests.helpers.web import PageUser, location
from threadlift.clinic.episode import State

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


def discharged_episode(clinic: Clinic) -> str:
    patient = store_patient(clinic.services, State.DISCHARGED, with_photos=False)
    return clinic.call("dr-hale", "GET", f"/api/patients/{patient}/episodes").json()[0]["id"]


def test_ratings_recorded_with_the_visit_and_added_later_are_shown_with_their_labels(clinic: Clinic):
    episode = discharged_episode(clinic)
    doctor = PageUser(clinic, "dr-hale")
    page = doctor.get(f"/episodes/{episode}/follow-up")
    assert "Outcome ratings" in page.text and "1 = very much improved, 5 = worse" in page.text
    assert 'id="cg-0"' not in page.text and 'id="cg-1"' in page.text  # no clinician's GAIS on the day-1 call
    done = doctor.post(f"/episodes/{episode}/follow-ups/2", {"status": "done", "note": "pleased",
                                                             "clinician_gais": "2", "patient_gais": ""})
    assert done.status_code == 303 and location(done).endswith("/follow-up")
    later = doctor.post(f"/episodes/{episode}/follow-ups/2/ratings", {"patient_gais": "3", "effect_noticeable": "yes"})
    assert later.status_code == 303
    shown = doctor.get(f"/episodes/{episode}/follow-up").text
    assert "clinician's GAIS: 2 much improved" in shown and "patient's GAIS: 3 improved" in shown
    assert "effect still noticeable (patient's report)" in shown


def test_bad_ratings_on_the_page_say_why_next_to_the_follow_up(clinic: Clinic):
    episode = discharged_episode(clinic)
    nurse = PageUser(clinic, "nurse-ade")
    missing_time = nurse.post(f"/episodes/{episode}/follow-ups/3", {"status": "done", "effect_noticeable": "no"})
    assert missing_time.status_code == 422 and "how many weeks after the procedure" in missing_time.text
    missed = nurse.post(f"/episodes/{episode}/follow-ups/3", {"status": "missed", "patient_gais": "2"})
    assert missed.status_code == 422 and "has no outcome ratings" in missed.text
    on_a_call = nurse.post(f"/episodes/{episode}/follow-ups/0", {"status": "done", "clinician_gais": "2"})
    assert on_a_call.status_code == 409 and "is a call" in on_a_call.text
    nothing = nurse.post(f"/episodes/{episode}/follow-ups/3/ratings", {})
    assert nothing.status_code == 422
    assert nurse.post(f"/episodes/{episode}/follow-ups/500", {"status": "done"}).status_code == 404


def test_the_follow_up_page_lists_the_newest_pairs_and_every_pair_on_request(clinic: Clinic):
    """Issue 12: an episode photographed at every visit for years must not make its follow-up page list (and
    the server read and render) hundreds of pairs each time it opens; the rest are one link away."""
    import hashlib
    from datetime import timedelta

    from tests.helpers.exports import analysis, jpeg
    from threadlift.clinic.photos import PhotoRecord
    from threadlift.services.aftercare import PAIRS_SHOWN

    patient = store_patient(clinic.services, State.DISCHARGED)  # a frontal baseline and one follow-up
    episode = clinic.call("dr-hale", "GET", f"/api/patients/{patient}/episodes").json()[0]["id"]
    with clinic.services.uow(read_only=True) as uow:
        first = uow.photos.for_episode(UUID(episode))[-1]
    data = jpeg(1)
    with clinic.services.uow() as uow:
        for day in range(1, PAIRS_SHOWN + 3):
            uow.photos.add(PhotoRecord(
                patient_id=first.patient_id, episode_id=first.episode_id, view="frontal", stage="follow_up",
                stored_name=clinic.services.vault.put(data), original_sha256=hashlib.sha256(data).hexdigest(),
                stored_sha256=hashlib.sha256(data).hexdigest(), content_type="image/jpeg", size_bytes=len(data),
                location_removed=False, uploaded_at=first.uploaded_at + timedelta(days=day),
                uploaded_by=first.uploaded_by, quality_ok=True, analysis=analysis()))
        uow.commit()
    doctor = PageUser(clinic, "dr-hale")
    newest = doctor.get(f"/episodes/{episode}/follow-up")
    assert newest.status_code == 200 and newest.text.count("Compare the frontal photo") == PAIRS_SHOWN
    assert "3 earlier follow-up photos with a baseline not listed" in newest.text
    every = doctor.get(f"/episodes/{episode}/follow-up?pairs=all")
    assert every.text.count("Compare the frontal photo") == PAIRS_SHOWN + 3 and "earlier follow-up" not in every.text
    assert doctor.get(f"/episodes/{episode}/follow-up?pairs=some").status_code == 422
