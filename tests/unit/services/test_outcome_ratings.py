"""Outcome ratings through the use cases, on the fakes: audited as changes, refused to reception."""

from __future__ import annotations

import pytest

from tests.helpers.exports import episode as built_episode
from tests.unit.services.conftest import Clinic
from threadlift.clinic.episode import State
from threadlift.clinic.followup import FollowUpOutcome, FollowUpStatus
from threadlift.clinic.ratings import AssessmentEntry, EffectReport, Rater
from threadlift.services import aftercare
from threadlift.services.base import PermissionDenied
from threadlift.services.commands import AssessFollowUp, CompleteFollowUp


def test_ratings_are_recorded_by_the_signed_in_user_and_audited(clinic: Clinic):
    episode, stock, person = built_episode(State.DISCHARGED)
    with clinic.services.uow() as uow:
        for lot in stock:
            uow.lots.add(lot)
        uow.patients.add(person)
        uow.episodes.add(episode)
        uow.commit()
    nurse, reception = clinic.user("nurse-ade"), clinic.user("reception-kim")
    outcome = FollowUpOutcome(status=FollowUpStatus.DONE, assessment=AssessmentEntry(patient_gais=2))
    done = aftercare.complete_follow_up(clinic.services, nurse, CompleteFollowUp(episode.id, 1, outcome))
    assert done.assessment.by(Rater.PATIENT).recorded_by == nurse.id  # type: ignore[union-attr]
    audited = clinic.last_change()
    assert (audited.action, audited.detail["rated"], audited.detail["index"]) == ("follow_up", True, 1)
    with pytest.raises(PermissionDenied):
        aftercare.assess_follow_up(clinic.services, reception, AssessFollowUp(
            episode.id, 1, AssessmentEntry(effect=EffectReport(noticeable=True))))
    aftercare.assess_follow_up(clinic.services, nurse, AssessFollowUp(
        episode.id, 1, AssessmentEntry(effect=EffectReport(noticeable=True))))
    assert clinic.last_change().action == "outcome_rating"
