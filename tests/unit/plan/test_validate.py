"""The plan document: schema round trip, and refusal of invalid edits (issue 5 §2, §6)."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from tests.unit.plan.conftest import NOW, canonical_mm
from threadlift.plan.model import Plan, plan_schema
from threadlift.plan.suggest import PlanInput, suggest
from threadlift.plan.validate import PlanInvalid, parse, validate


@pytest.fixture()
def plan() -> Plan:
    return suggest(PlanInput(canonical_mm(), severity={"jawline": 2, "brow": 1}), ["jawline", "brow"], now=NOW,
                   weight_kg=70)


def edited(plan: Plan, change) -> str:
    document = json.loads(plan.model_dump_json())
    change(document)
    return json.dumps(document)


def problems(text: str) -> list[str]:
    with pytest.raises(PlanInvalid) as caught:
        validate(parse(text))
    return caught.value.problems


def test_the_schema_file_is_the_models_schema():
    text = resources.files("threadlift.plan.data").joinpath("plan.schema.json").read_text()
    assert json.loads(text) == plan_schema(), "run `make docs` to regenerate the plan schema"


def test_a_suggested_plan_round_trips_through_json_and_matches_the_schema(plan):
    text = plan.model_dump_json(indent=2)
    jsonschema.validate(json.loads(text), plan_schema())
    again = validate(parse(text))
    assert again == plan


def test_an_edit_that_moves_a_vector_is_accepted_and_its_checks_recomputed(plan):
    def move(document):
        document["threads"][0]["vector"]["exit"]["y_mm"] += 3.0
        document["danger_flags"] = []  # never trusted from the document
        document["local_anaesthetic"]["total_mg"] = 1.0

    checked = validate(parse(edited(plan, move)))
    assert checked.threads[0].vector.exit.y_mm == pytest.approx(plan.threads[0].vector.exit.y_mm + 3.0)
    assert checked.local_anaesthetic is not None and checked.local_anaesthetic.total_mg > 1.0
    assert len(checked.danger_flags) >= len([f for f in plan.danger_flags if f.thread_id != plan.threads[0].id])


def test_an_unknown_design_is_refused_with_the_choices(plan):
    def change(document):
        document["threads"][0]["design"] = "golden"

    [problem] = problems(edited(plan, change))
    assert "T1 (" in problem and "unknown design 'golden'" in problem and "barbed_bidirectional" in problem


def test_a_vector_outside_the_face_is_refused(plan):
    def change(document):
        document["threads"][1]["vector"]["exit"] = {"x_mm": 190.0, "y_mm": 60.0}
        document["threads"][1]["length_mm"] = 300

    found = problems(edited(plan, change))
    assert any("T2 (" in p and "exit point" in p and "outside the face" in p for p in found)


def test_counts_beyond_the_catalogue_range_are_refused(plan):
    def change(document):
        brow = next(t for t in document["threads"] if t["area"] == "brow" and t["side"] == "left")
        for n in range(3):
            document["threads"].append({**brow, "id": f"L-brow-extra-{n}"})

    found = problems(edited(plan, change))
    assert any("brow thread(s) on the left side" in p and "range is 1-2" in p for p in found)


def test_a_thread_shorter_than_its_path_is_refused(plan):
    def change(document):
        document["threads"][0]["length_mm"] = 60
        document["threads"][0]["vector"]["exit"]["x_mm"] = document["threads"][0]["vector"]["entry"]["x_mm"] - 70

    assert any("a 60 mm thread cannot span" in p for p in problems(edited(plan, change)))


def test_a_coned_thread_needs_its_cones_and_their_minimum_length(plan):
    def no_cones(document):
        document["threads"][0]["design"] = "coned"

    def too_short(document):
        document["threads"][0]["design"] = "coned"
        document["threads"][0]["cones"] = 16
        document["threads"][0]["vector"]["exit"] = dict(document["threads"][0]["vector"]["entry"])
        document["threads"][0]["vector"]["exit"]["y_mm"] += 50

    assert any("number of cones" in p for p in problems(edited(plan, no_cones)))
    assert any("16 cones need at least 110 mm" in p and "PRO-02" in p for p in problems(edited(plan, too_short)))


def test_duplicate_ids_unknown_fields_and_bad_json_are_refused(plan):
    def duplicate(document):
        document["threads"][1]["id"] = document["threads"][0]["id"]

    def extra(document):
        document["threads"][0]["colour"] = "gold"

    assert any("is used 2 times" in p for p in problems(edited(plan, duplicate)))
    assert any("threads.0.colour" in p for p in problems(edited(plan, extra)))
    assert problems("{not json")
    assert any("anatomy_mm" in p for p in problems(json.dumps({"created_at": NOW.isoformat(), "concerns": []})))


def test_unusual_design_and_non_absorbable_threads_are_kept_with_warnings(plan):
    def change(document):
        document["threads"][0]["design"] = "mono"
        document["threads"][0]["material"] = "polypropylene"

    checked = validate(parse(edited(plan, change)))
    assert any("not usual for the jawline" in w for w in checked.warnings)
    assert any("non-absorbable" in w and "SEL-13" in w for w in checked.warnings)


def test_a_plan_missing_named_points_is_refused_not_crashed(plan):
    """Found by the request fuzz: a marking map without the tragus (made elsewhere, or edited by hand)
    raised a KeyError placing the danger zones; it is a problem to fix, like any other."""
    from threadlift.plan.edit import checked

    lacking = plan.model_copy(update={"anatomy_mm": {k: v for k, v in plan.anatomy_mm.items()
                                                     if not k.startswith("tragus")}})
    with pytest.raises(PlanInvalid, match=r"anatomy_mm: the named points tragus_left, tragus_right are missing"):
        validate(lacking)
    result = checked(lacking)
    assert result.problems and "make the plan again from the baseline photo" in result.problems[0]
