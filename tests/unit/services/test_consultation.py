"""The consultation and the suitability decision as use cases, on the fakes."""

from __future__ import annotations

from uuid import uuid4

import pytest
from pydantic import ValidationError

from tests.helpers.clinic import consultation_entry
from tests.unit.services.conftest import Clinic, registered
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.errors import NotFound, OverrideRefused
from threadlift.clinic.suitability import Decision, OverrideEntry
from threadlift.services import consultation, episodes
from threadlift.services.base import PermissionDenied
from threadlift.services.commands import OverrideFinding, RecordConsultation

WARFARIN = {"medicines": [{"name": "warfarin", "medicine_class": "anticoagulant", "prescribed": True}]}


def test_save_and_decide_is_one_transaction(clinic: Clinic):
    _, episode = registered(clinic)
    before = len(clinic.units.made)
    outcome = consultation.record_consultation(clinic.services, clinic.user("dr-hale"), RecordConsultation(
        episode_id=episode, consultation=consultation_entry(), decide_suitability=True))
    assert outcome.suitability is not None and outcome.suitability.decision is Decision.SUITABLE
    written = [u for u in clinic.units.made[before:] if not u.read_only]
    assert len(written) == 1 and written[0].committed
    assert episodes.clinical_episode(clinic.services, clinic.user("dr-hale"), episode, "test").state is State.ASSESSED
    assert clinic.last_change().action == "consult_and_decide"


def test_a_decision_that_fails_leaves_no_half_saved_consultation(clinic: Clinic):
    """The decision needs the patient record; when it cannot be made, the consultation is not saved either."""
    orphan = Episode(patient_id=uuid4(), opened_at=clinic.clock.now)
    with clinic.services.uow() as uow:
        uow.episodes.add(orphan)
        uow.commit()
    with pytest.raises(NotFound):
        consultation.record_consultation(clinic.services, clinic.user("dr-hale"), RecordConsultation(
            episode_id=orphan.id, consultation=consultation_entry(), decide_suitability=True))
    with clinic.services.uow(read_only=True) as uow:
        assert uow.episodes.get(orphan.id).consultation is None


def test_the_consultation_is_the_clinicians_not_the_nurses(clinic: Clinic):
    """Issue 13: the practitioner takes the history and decides (GMC; docs/permissions.md)."""
    _, episode = registered(clinic)
    for decide in (True, False):
        with pytest.raises(PermissionDenied):
            consultation.record_consultation(clinic.services, clinic.user("nurse-ade"), RecordConsultation(
                episode_id=episode, consultation=consultation_entry(), decide_suitability=decide))
    with clinic.services.uow(read_only=True) as uow:
        assert uow.episodes.get(episode).consultation is None  # refused before anything was saved
    saved = consultation.record_consultation(clinic.services, clinic.user("dr-hale"), RecordConsultation(
        episode_id=episode, consultation=consultation_entry()))
    assert saved.suitability is None and saved.consultation.clinician_id == clinic.user("dr-hale").id


def test_the_suitability_view_says_what_stands_before_the_procedure(clinic: Clinic):
    _, episode = registered(clinic)
    hale = clinic.user("dr-hale")
    consultation.record_consultation(clinic.services, hale, RecordConsultation(
        episode_id=episode, consultation=consultation_entry(history=WARFARIN), decide_suitability=True))
    view = consultation.suitability_view(clinic.services, hale, episode)
    assert [f.rule for f in view.result.findings] == ["SEL-06"]
    assert any("SEL-06" in p for p in view.problems_before_procedure)
    consultation.override_finding(clinic.services, hale, OverrideFinding(episode_id=episode, override=OverrideEntry(
        rule="SEL-06", reason="INR stable; prescriber advice on file")))
    view = consultation.suitability_view(clinic.services, hale, episode)
    assert view.problems_before_procedure == [] and view.effective_decision is Decision.SUITABLE
    with pytest.raises(OverrideRefused, match="already overridden"):
        consultation.override_finding(clinic.services, hale, OverrideFinding(episode_id=episode, override=(
            OverrideEntry(rule="SEL-06", reason="a second reason for the same rule"))))


def test_an_override_reason_of_under_ten_characters_is_refused_by_the_command():
    with pytest.raises(ValidationError, match="at least 10 characters"):
        OverrideFinding(episode_id=uuid4(), override={"rule": "SEL-06", "reason": "fine "})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="pattern"):
        OverrideEntry(rule="sel6", reason="a reason long enough")
