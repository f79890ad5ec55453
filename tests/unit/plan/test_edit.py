"""Typed plan edits (the plan page's, the API's and the command line's): applied in order, then checked."""

from __future__ import annotations

import pytest

from tests.unit.plan.conftest import NOW, canonical_mm
from threadlift.plan.edit import AddThread, MovePoint, RemoveThread, SetThread, apply_edits, checked, parse_edits
from threadlift.plan.model import Plan, Side
from threadlift.plan.suggest import PlanInput, suggest
from threadlift.plan.validate import PlanInvalid
from threadlift.plan.zones import zones


@pytest.fixture()
def plan() -> Plan:
    return suggest(PlanInput(canonical_mm(), severity={"jawline": 2}), ["jawline"], now=NOW, weight_kg=70)


def test_each_kind_of_edit_changes_only_what_it_names(plan: Plan):
    first, second = plan.threads[0], plan.threads[1]
    edited = apply_edits(plan, [
        MovePoint(thread=first.id, point="exit", x_mm=first.vector.exit.x_mm, y_mm=first.vector.exit.y_mm + 3.04),
        SetThread(thread=first.id, design="mono", anchored=True, depth_plane="subdermal"),
        RemoveThread(thread=second.id),
        AddThread(area="brow", side=Side.LEFT)])
    changed = next(t for t in edited.threads if t.id == first.id)
    assert changed.vector.exit.y_mm == round(first.vector.exit.y_mm + 3.04, 1)
    assert (changed.design, changed.anchored, changed.vector.depth_plane) == ("mono", True, "subdermal")
    assert (changed.material, changed.gauge, changed.length_mm) == (first.material, first.gauge, first.length_mm)
    assert second.id not in {t.id for t in edited.threads} and "L-brow-1" in {t.id for t in edited.threads}
    assert plan.threads[0] == first  # the plan edited is a new one


def test_an_edit_into_a_danger_zone_is_kept_with_its_flag(plan: Plan):
    thread = next(t for t in plan.threads if t.side is Side.LEFT)
    notch = next(z for z in zones(plan.anatomy_mm) if z.name == "facial_artery_notch" and z.side == "left")
    x, y = notch.path_mm[0]
    result = checked(plan, [MovePoint(thread=thread.id, point="entry", x_mm=x, y_mm=y)])
    assert result.valid
    assert any((f.thread_id, f.zone, f.kind, f.point) == (thread.id, "facial_artery_notch", "inside", "entry")
               for f in result.plan.danger_flags)


def test_a_rule_broken_by_an_edit_is_listed_and_the_edit_kept(plan: Plan):
    thread = plan.threads[0]
    result = checked(plan, [SetThread(thread=thread.id, material="gold")])
    assert not result.valid and any("unknown material 'gold'" in p for p in result.problems)
    assert result.plan.threads[0].material == "gold" and result.plan.local_anaesthetic is not None


def test_an_edit_of_a_thread_that_does_not_exist_cannot_apply(plan: Plan):
    with pytest.raises(PlanInvalid, match="has no thread T9"):
        apply_edits(plan, [RemoveThread(thread="T9")])
    with pytest.raises(PlanInvalid, match="unknown area 'chin'"):
        apply_edits(plan, [AddThread(area="chin", side=Side.LEFT)])


def test_edits_from_json_name_each_bad_field():
    with pytest.raises(PlanInvalid) as refused:
        parse_edits([{"op": "move", "thread": "L-jawline-1", "point": "middle", "x_mm": 1, "y_mm": 2},
                     {"op": "teleport"}])
    assert any("edits.0.move.point" in p for p in refused.value.problems)
    assert any(p.startswith("edits.1") for p in refused.value.problems)
    assert parse_edits([{"op": "set", "thread": "L-jawline-1", "length_mm": "90"}])[0] == SetThread(
        thread="L-jawline-1", length_mm=90)
