"""Plan suggestions from constructed analyses (issue 5 §2)."""

from __future__ import annotations

import pytest

from tests.helpers.knowledge import clinical_knowledge, defined_source_keys
from tests.unit.plan.conftest import NOW, canonical_mm
from threadlift.clinic.catalogue import catalogue
from threadlift.plan.anatomy import point
from threadlift.plan.model import Side
from threadlift.plan.suggest import PlanInput, suggest


def threads_of(plan, area, side=None):
    return [t for t in plan.threads if t.area == area and (side is None or t.side is side)]


def area_plan(plan, area, side):
    return next(a for a in plan.areas if a.area == area and a.side is side)


def test_mild_jowl_gives_barbed_threads_along_the_jawline_on_both_sides():
    source = PlanInput(canonical_mm(), severity={"jawline": 1})
    plan = suggest(source, ["jawline"], now=NOW, age_years=48)
    low, high = catalogue().area("jawline").count_per_side
    commissure_y = point(plan.anatomy_mm, "commissure_left")[1]
    for side, sign in ((Side.LEFT, 1), (Side.RIGHT, -1)):
        threads = threads_of(plan, "jawline", side)
        assert low <= len(threads) <= high
        assert all(t.design.startswith("barbed") for t in threads)
        # Exits lie in the jowl, below the mouth corners, on the thread's own side.
        assert all(t.vector.exit.y_mm > commissure_y and sign * t.vector.exit.x_mm > 10 for t in threads)
        assert all(t.vector.length_mm <= t.length_mm for t in threads)
    assert plan.referral is None


def test_more_severe_jowls_get_more_threads_within_the_catalogue_range():
    mild = suggest(PlanInput(canonical_mm(), severity={"jawline": 1}), ["jawline"], now=NOW)
    moderate = suggest(PlanInput(canonical_mm(), severity={"jawline": 3}), ["jawline"], now=NOW)
    assert len(threads_of(moderate, "jawline", Side.LEFT)) > len(threads_of(mild, "jawline", Side.LEFT))
    assert len(threads_of(moderate, "jawline", Side.LEFT)) <= catalogue().area("jawline").count_per_side[1]


def test_severe_laxity_gives_a_referral_instead_of_threads():
    plan = suggest(PlanInput(canonical_mm()), ["jawline", "midface"], now=NOW, laxity_grade=3.5)
    assert plan.threads == []
    assert plan.referral is not None and "surgical opinion" in plan.referral.text
    assert "SEL-11" in plan.referral.text and plan.referral.sources
    assert plan.local_anaesthetic is not None and plan.local_anaesthetic.total_mg == 0


def test_an_area_graded_4_is_referred_while_the_others_are_planned():
    plan = suggest(PlanInput(canonical_mm(), severity={"jawline": 4, "midface": 2}), ["jawline", "midface"],
                   now=NOW)
    assert threads_of(plan, "jawline") == [] and threads_of(plan, "midface")
    assert plan.referral is not None and plan.referral.text.startswith("Jawline graded 4")


def test_a_lower_left_brow_gets_more_lift_on_the_left():
    source = PlanInput(canonical_mm(), measurements={"brow_height_lateral_mm": (19.0, 22.5)}, severity={"brow": 2})
    plan = suggest(source, ["brow"], now=NOW)
    left, right = area_plan(plan, "brow", Side.LEFT), area_plan(plan, "brow", Side.RIGHT)
    assert left.count > right.count or (left.expected_lift_mm or 0) > (right.expected_lift_mm or 0)
    assert (left.expected_lift_mm or 0) > (right.expected_lift_mm or 0)
    assert any("left side is 3.5 mm lower" in r.text for r in left.reasons)
    left_reach = max(t.vector.length_mm for t in threads_of(plan, "brow", Side.LEFT))
    right_reach = max(t.vector.length_mm for t in threads_of(plan, "brow", Side.RIGHT))
    assert left_reach > right_reach


def test_a_small_difference_is_treated_symmetrically():
    source = PlanInput(canonical_mm(), measurements={"jowl_depth_mm": (3.0, 2.5)}, severity={"jawline": 2})
    plan = suggest(source, ["jawline"], now=NOW)
    assert area_plan(plan, "jawline", Side.LEFT).count == area_plan(plan, "jawline", Side.RIGHT).count


def test_threads_sit_on_their_own_side_of_the_face():
    plan = suggest(PlanInput(canonical_mm()), ["brow", "midface", "nasolabial", "jawline", "marionette"], now=NOW)
    for t in plan.threads:
        sign = 1 if t.side is Side.LEFT else -1
        assert sign * t.vector.entry.x_mm > 0 and sign * t.vector.exit.x_mm > 0, t.id


def test_suggested_entry_points_are_clear_of_the_danger_zones():
    plan = suggest(PlanInput(canonical_mm()), ["brow", "midface", "nasolabial", "jawline", "marionette"], now=NOW)
    assert not [f for f in plan.danger_flags if f.kind == "inside" and f.point == "entry"]
    assert not [f for f in plan.danger_flags if f.kind == "outside_safe_zone"]


def test_every_suggestion_carries_reasons_with_sources_from_the_knowledge_base():
    plan = suggest(PlanInput(canonical_mm(), severity={"midface": 2}), ["midface", "jawline"], now=NOW)
    known = defined_source_keys(clinical_knowledge())
    for t in plan.threads:
        assert t.reasons and all(r.sources for r in t.reasons)
        assert {s for r in t.reasons for s in r.sources} <= known
    for a in plan.areas:
        assert a.reasons and {s for r in a.reasons for s in r.sources} <= known


def test_an_allergy_steers_away_from_the_material():
    plan = suggest(PlanInput(canonical_mm()), ["brow"], now=NOW, avoid_materials=["PLCL"])
    assert {t.material for t in plan.threads} == {"PDO"}


def test_the_neck_is_not_planned_on_a_frontal_photo():
    plan = suggest(PlanInput(canonical_mm()), ["neck"], now=NOW)
    assert plan.threads == [] and any("profile" in w for w in plan.warnings)


def test_an_unknown_area_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"unknown area.*forehead.*choose from midface"):
        suggest(PlanInput(canonical_mm()), ["forehead"], now=NOW)


def test_local_anaesthetic_is_points_times_volume_against_the_weight_and_jurisdiction_maximum():
    plan = suggest(PlanInput(canonical_mm()), ["jawline"], now=NOW, weight_kg=80, jurisdiction="US")
    la = plan.local_anaesthetic
    assert la is not None
    entries = {t.vector.entry.xy() for t in plan.threads}
    exits = {t.vector.exit.xy() for t in plan.threads}
    assert la.points == len(entries | exits)
    assert la.total_mg == pytest.approx(la.points * 0.5 * 10)  # 0.5 mL of 1% = 5 mg per point [SSIFU]
    assert la.maximum_mg == pytest.approx(500)  # min(7 mg/kg x 80 kg, 500 mg) with adrenaline
    light = suggest(PlanInput(canonical_mm()), ["jawline"], now=NOW, weight_kg=50, jurisdiction="UK").local_anaesthetic
    assert light is not None and light.maximum_mg == pytest.approx(350)
    unknown = suggest(PlanInput(canonical_mm()), ["jawline"], now=NOW).local_anaesthetic
    assert unknown is not None and unknown.maximum_mg is None and "weight" in unknown.basis
