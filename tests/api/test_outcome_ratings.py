"""GAIS and the patient's report of the effect through the JSON API (OUT-01, OUT-03), on SQLite and PostgreSQL:
stored with the scale's name, version and direction, indexed for the outcome statistics, refused when wrong."""

from __future__ import annotations

from sqlalchemy import select

from tests.helpers.exports import store_patient
from tests.helpers.records import Clinic
from threadlift.clinic.episode import State
from threadlift.store.tables import FollowUpRow, GaisRatingRow


def discharged(clinic: Clinic) -> str:
    patient = store_patient(clinic.services, State.DISCHARGED, with_photos=False)
    episodes = clinic.call("dr-hale", "GET", f"/api/patients/{patient}/episodes").json()
    return f"/api/episodes/{episodes[0]['id']}"


def test_gais_at_a_visit_then_the_patients_report_and_the_index_rows(clinic: Clinic):
    episode = discharged(clinic)
    done = clinic.call("dr-hale", "POST", f"{episode}/followups/2",
                       json={"status": "done", "assessment": {"clinician_gais": 2, "patient_gais": 1}})
    assert done.status_code == 200, done.text
    ratings = {r["rater"]: r for r in done.json()["assessment"]["ratings"]}
    assert ratings["clinician"] | {"rated_at": None} == {
        "rater": "clinician", "score": 2, "scale_name": "GAIS", "scale_version": "5-point standard form",
        "best_score": 1, "worst_score": 5, "anchor": "much improved", "rated_at": None,
        "recorded_by": clinic.user("dr-hale").id}
    effect = clinic.call("nurse-ade", "POST", f"{episode}/followups/2/assessment",
                         json={"effect": {"noticeable": False, "lost_after_weeks": 3}})
    assert effect.status_code == 200, effect.text
    assert effect.json()["assessment"]["effect"] == {"noticeable": False, "lost_after_weeks": 3}
    again = clinic.call("dr-hale", "POST", f"{episode}/followups/2/assessment", json={"clinician_gais": 1})
    assert again.status_code == 409 and again.json()["rule"] == "record_locked"
    listed = clinic.call("nurse-ade", "GET", f"{episode}/followups").json()
    assert listed[2]["assessment"]["effect"]["lost_after_weeks"] == 3
    with clinic.services.uow(read_only=True) as uow:
        rows = uow.session.execute(select(GaisRatingRow.rater, GaisRatingRow.score, GaisRatingRow.standard_score,
                                          GaisRatingRow.scale_name)).all()  # type: ignore[attr-defined]
        follow_up = uow.session.execute(select(  # type: ignore[attr-defined]
            FollowUpRow.effect_noticeable, FollowUpRow.effect_lost_after_days, FollowUpRow.completed_at)
            .where(FollowUpRow.position == 2)).one()
    assert sorted(rows) == [("clinician", 2, 2, "GAIS"), ("patient", 1, 1, "GAIS")]
    assert follow_up[:2] == (False, 21) and follow_up[2] is not None


def test_bad_ratings_are_refused_with_the_rule_and_reception_may_not_rate(clinic: Clinic):
    episode = discharged(clinic)
    cases = [({"status": "done", "assessment": {"clinician_gais": 6}}, 422),
             ({"status": "missed", "assessment": {"patient_gais": 2}}, 422),
             ({"status": "done", "assessment": {"effect": {"noticeable": False}}}, 422),
             ({"status": "done", "assessment": {}}, 422)]
    for body, status in cases:
        response = clinic.call("dr-hale", "POST", f"{episode}/followups/3", json=body)
        assert response.status_code == status, (body, response.text)
    call = clinic.call("dr-hale", "POST", f"{episode}/followups/0",
                       json={"status": "done", "assessment": {"clinician_gais": 2}})
    assert call.status_code == 409 and call.json()["rule"] == "OUT-01"
    not_yet = clinic.call("dr-hale", "POST", f"{episode}/followups/3/assessment", json={"patient_gais": 2})
    assert not_yet.status_code == 409 and "took place" in not_yet.json()["detail"]
    assert clinic.call("dr-hale", "POST", f"{episode}/followups/101/assessment",
                       json={"patient_gais": 2}).status_code == 422
    assert clinic.call("reception-kim", "POST", f"{episode}/followups/3",
                       json={"status": "done", "assessment": {"patient_gais": 2}}).status_code == 403
    scale = clinic.call("reception-kim", "GET", "/api/scales/gais").json()
    assert scale["best"] == 1 and scale["anchors"]["5"] == "worse"
