"""Check-in triage (thread-lift-clinical.md §5.4, §5.5): what each answer means for the patient."""

from __future__ import annotations

from typing import Any

import pytest

from threadlift.clinic.adverse import EventType
from threadlift.clinic.checkin import QUESTIONS, RULES, CheckInAnswers, Level, triage


def answers(**changes: Any) -> CheckInAnswers:
    calm: dict[str, Any] = {"pain_score": 3, "pain_trend": "better", "swelling": "mild", "swelling_trend": "better",
                            "bruising": "mild", **{name: False for name in QUESTIONS if name not in (
                                "pain_score", "pain_trend", "swelling", "swelling_trend", "bruising")}}
    return CheckInAnswers.model_validate({**calm, **changes})


def test_a_usual_recovery_is_expected_and_no_red_flag():
    found = triage(answers(), 48)
    assert found.level is Level.EXPECTED and not found.red_flag and found.event_type is None
    assert found.rules == ("bruising_or_swelling",)


@pytest.mark.parametrize(("answer", "level", "event"), [
    ({"fever": True}, Level.CALL_CLINIC, EventType.INFECTION),
    ({"discharge_from_entry_point": True}, Level.CALL_CLINIC, EventType.INFECTION),
    ({"facial_weakness": True}, Level.CALL_CLINIC, EventType.NERVE_INJURY),
    ({"thread_at_skin": True}, Level.CALL_CLINIC, EventType.EXTRUSION),
    ({"vision_change": True}, Level.EMERGENCY, EventType.OTHER),
    ({"pain_score": 9}, Level.CALL_CLINIC, EventType.PAIN),
])
def test_each_red_flag_of_the_list_tells_the_patient_what_to_do_and_drafts_its_event(answer, level, event):
    found = triage(answers(**answer), 48)
    assert found.level is level and found.red_flag and found.event_type is event


def test_worsening_pain_is_a_red_flag_only_after_day_3():
    assert triage(answers(pain_trend="worse"), 48).level is Level.EXPECTED
    assert triage(answers(pain_trend="worse"), 168).level is Level.CALL_CLINIC


def test_dimpling_is_expected_for_two_weeks_then_reviewed():
    assert triage(answers(dimpling=True), 168).level is Level.EXPECTED
    assert triage(answers(dimpling=True), 15 * 24).level is Level.REVIEW


def test_the_most_urgent_rule_decides_and_every_rule_that_applied_is_kept_with_its_source():
    found = triage(answers(fever=True, vision_change=True, asymmetry=True), 48)
    assert found.level is Level.EMERGENCY and found.rules[:2] == ("vision_change", "fever")
    assert "asymmetry" in found.rules and len(found.sources) == len(found.rules)
    assert found.red_flags == ("vision_change", "fever")


def test_every_rule_names_its_source_and_every_question_is_asked():
    assert all(rule.source for rule in RULES)
    assert set(QUESTIONS) | {"comment"} == set(CheckInAnswers.model_fields)


def test_an_answer_out_of_range_is_refused():
    with pytest.raises(ValueError, match="less than or equal to 10"):
        answers(pain_score=11)
