"""Outcome ratings at a follow-up (OUT-01, OUT-03): GAIS stored with its scale and direction, the patient's
report of the effect, and the rules that keep them honest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from tests.helpers.clinic import ALL_CRITERIA, TODAY, later, lot
from tests.unit.clinic.test_episode import POLICY, in_procedure, placement
from threadlift.clinic.discharge import ObservationRecord
from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import InvalidInput, RecordLocked
from threadlift.clinic.followup import FollowUpOutcome, FollowUpStatus
from threadlift.clinic.ratings import GAIS, AssessmentEntry, EffectReport, GaisRating, Rater, RatingScale, rating

DAY = 60 * 24  # minutes


def discharged() -> Episode:
    episode = in_procedure()
    thread_lot = lot()
    episode.place_thread(thread_lot, placement(thread_lot), later(50), "dr-hale", on=TODAY)
    episode.end_procedure(later(60), "dr-hale")
    episode.observe(ObservationRecord(at=later(90), by="nurse-ade", pulse_bpm=72))
    episode.discharge_patient(POLICY, ALL_CRITERIA, "2026.1", later(100), "nurse-ade", on=TODAY)
    return episode


def test_gais_is_stored_with_its_scale_version_direction_and_label():
    episode = discharged()
    done = episode.complete_follow_up(2, FollowUpStatus.DONE, later(30 * DAY), "dr-hale",
                                      assessment=AssessmentEntry(clinician_gais=2, patient_gais=1))
    assert done.status is FollowUpStatus.DONE and done.assessment is not None
    clinician = done.assessment.by(Rater.CLINICIAN)
    assert clinician is not None
    assert (clinician.scale_name, clinician.scale_version) == ("GAIS", "5-point standard form")
    assert (clinician.best_score, clinician.worst_score, clinician.anchor) == (1, 5, "much improved")
    assert done.assessment.by(Rater.PATIENT).anchor == "very much improved"  # type: ignore[union-attr]
    assert GAIS.anchors[GAIS.best] == "very much improved" and GAIS.source.startswith("[GAIS]")


@pytest.mark.parametrize("score, standard", [(5, 1), (4, 2), (3, 3), (2, 4), (1, 5)])
def test_a_rating_taken_where_5_is_best_compares_in_the_standard_direction(score, standard):
    # Several thread studies report GAIS with 5 = best [ZHUK22][MOON20]; comparisons use the standard form.
    reversed_scale = RatingScale(name="GAIS", version="5-point, 5 best (ZHUK22)", best=5, worst=1,
                                 anchors={5: "very much improved", 4: "much improved", 3: "improved", 2: "no change",
                                          1: "worse"})
    rated = rating(Rater.PATIENT, score, at=later(0), by="nurse-ade", scale=reversed_scale)
    assert rated.standard_score == standard
    assert rated.improved is (standard <= 3)
    assert rating(Rater.PATIENT, standard, at=later(0), by="nurse-ade").anchor == rated.anchor


def test_a_score_outside_its_scale_is_refused():
    with pytest.raises(ValidationError):
        GaisRating(rater=Rater.CLINICIAN, score=6, scale_name="GAIS", scale_version="x", best_score=1, worst_score=5,
                   anchor="?", rated_at=later(0), recorded_by="dr-hale")
    with pytest.raises(ValidationError):
        AssessmentEntry(clinician_gais=0)
    with pytest.raises(ValidationError, match="give the clinician's or the patient's GAIS"):
        AssessmentEntry()


def test_a_clinician_does_not_rate_gais_on_a_call_but_the_patient_may():
    episode = discharged()
    with pytest.raises(InvalidInput, match="is a call"):
        episode.complete_follow_up(0, FollowUpStatus.DONE, later(DAY), "nurse-ade",
                                   assessment=AssessmentEntry(clinician_gais=3))
    assert episode.follow_ups[0].status is FollowUpStatus.SCHEDULED  # a refused rating leaves the call unrecorded
    done = episode.complete_follow_up(0, FollowUpStatus.DONE, later(DAY), "nurse-ade",
                                      assessment=AssessmentEntry(patient_gais=3))
    assert done.assessment.by(Rater.PATIENT).score == 3  # type: ignore[union-attr]


def test_ratings_go_only_with_a_follow_up_that_took_place():
    with pytest.raises(ValidationError, match="has no outcome ratings"):
        FollowUpOutcome(status=FollowUpStatus.MISSED, assessment=AssessmentEntry(patient_gais=2))
    episode = discharged()
    with pytest.raises(InvalidInput, match="has no outcome ratings"):
        episode.complete_follow_up(1, FollowUpStatus.MISSED, later(7 * DAY), "nurse-ade",
                                   assessment=AssessmentEntry(patient_gais=2))
    episode.complete_follow_up(1, FollowUpStatus.MISSED, later(7 * DAY), "nurse-ade")
    with pytest.raises(InvalidInput, match="took place"):
        episode.assess_follow_up(1, AssessmentEntry(patient_gais=2), later(8 * DAY), "nurse-ade")


def test_ratings_added_later_complete_the_visit_and_a_rating_once_recorded_stays():
    episode = discharged()
    episode.complete_follow_up(3, FollowUpStatus.DONE, later(91 * DAY), "dr-hale",
                               assessment=AssessmentEntry(clinician_gais=2))
    updated = episode.assess_follow_up(3, AssessmentEntry(patient_gais=3, effect=EffectReport(noticeable=True)),
                                       later(93 * DAY), "nurse-ade")
    assert [r.rater for r in updated.assessment.ratings] == [Rater.CLINICIAN, Rater.PATIENT]  # type: ignore[union-attr]
    assert updated.assessment.effect_recorded_by == "nurse-ade"  # type: ignore[union-attr]
    with pytest.raises(RecordLocked, match="clinician's GAIS at '3 months' is already recorded"):
        episode.assess_follow_up(3, AssessmentEntry(clinician_gais=1), later(94 * DAY), "dr-hale")
    with pytest.raises(RecordLocked, match="report of the effect"):
        episode.assess_follow_up(3, AssessmentEntry(effect=EffectReport(noticeable=False, lost_after_weeks=12)),
                                 later(94 * DAY), "dr-hale")


def test_the_patient_says_when_the_effect_wore_off_and_only_then():
    with pytest.raises(ValidationError, match="how many weeks"):
        EffectReport(noticeable=False)
    with pytest.raises(ValidationError, match="still noticeable"):
        EffectReport(noticeable=True, lost_after_weeks=10)
    assert EffectReport(noticeable=False, lost_after_weeks=20).lost_after_weeks == 20


def test_a_loss_of_effect_cannot_be_dated_after_the_visit_or_before_a_visit_that_still_saw_it():
    episode = discharged()
    episode.complete_follow_up(3, FollowUpStatus.DONE, later(91 * DAY), "dr-hale",
                               assessment=AssessmentEntry(effect=EffectReport(noticeable=True)))
    with pytest.raises(InvalidInput, match="cannot have worn off 40 weeks"):
        episode.complete_follow_up(4, FollowUpStatus.DONE, later(182 * DAY), "dr-hale",
                                   assessment=AssessmentEntry(effect=EffectReport(noticeable=False,
                                                                                  lost_after_weeks=40)))
    with pytest.raises(InvalidInput, match="still noticed the effect"):
        episode.complete_follow_up(4, FollowUpStatus.DONE, later(182 * DAY), "dr-hale",
                                   assessment=AssessmentEntry(effect=EffectReport(noticeable=False,
                                                                                  lost_after_weeks=8)))
    done = episode.complete_follow_up(4, FollowUpStatus.DONE, later(182 * DAY), "dr-hale",
                                      assessment=AssessmentEntry(effect=EffectReport(noticeable=False,
                                                                                     lost_after_weeks=20)))
    assert done.assessment.effect.lost_after_weeks == 20  # type: ignore[union-attr]
    assert done.completed_at - episode.procedure.started_at >= timedelta(weeks=20)  # type: ignore[union-attr]
