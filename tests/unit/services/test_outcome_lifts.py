"""A comparison of a follow-up photo with the baseline keeps each area's lift for the durability figures:
areas under the engine's names mapped to the procedure record's, unmeasured sides left out, refused pairs
keep nothing, a later comparison of the same photo by the same engine version replaces the earlier one, and
another engine version's is kept beside it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from tests.fakes import Database, FakeRegisters
from tests.helpers.records import Clock
from threadlift.face.areas import Area, Side
from threadlift.face.compare import AreaChange, Comparison, Reason
from threadlift.services.outcome_stats import ENGINE_VERSION, keep_lifts


def comparison(lift_mm: float, *, refused: bool = False) -> Comparison:
    areas = {Area.MIDFACE: {Side.LEFT: AreaChange(0.3, lift_mm, 0.5), Side.RIGHT: None},
             Area.COMMISSURE: {Side.LEFT: AreaChange(0.1, lift_mm / 2, 0.4), Side.RIGHT: AreaChange(0.0, 0.2, 0.4)}}
    reasons = (Reason("yaw", "the head is turned differently"),) if refused else ()
    before: Any = None  # the analyses themselves are not read
    return Comparison(before, before, reasons, forced=False, registration=object(),  # type: ignore[arg-type]
                      areas=areas)


def test_a_comparison_keeps_each_measured_area_and_side_and_a_later_one_replaces_it():
    db = Database()
    uow: Any = SimpleNamespace(registers=FakeRegisters(db))
    svc: Any = SimpleNamespace(clock=Clock())
    ids = {"before_photo_id": "b", "after_photo_id": "a", "episode_id": "e", "patient_id": "p", "day": 91}
    assert keep_lifts(uow, svc, comparison(2.5), **ids) == 3
    assert {(k[1], k[2]): (v.lift_mm, v.day, v.engine_version) for k, v in db.lifts.items()} == {
        ("midface", "left"): (2.5, 91, ENGINE_VERSION), ("marionette", "left"): (1.25, 91, ENGINE_VERSION),
        ("marionette", "right"): (0.2, 91, ENGINE_VERSION)}
    assert keep_lifts(uow, svc, comparison(0.8), **ids) == 3
    assert db.lifts[("a", "midface", "left", ENGINE_VERSION)].lift_mm == 0.8 and len(db.lifts) == 3
    assert keep_lifts(uow, svc, comparison(5.0, refused=True), **{**ids, "after_photo_id": "c"}) == 0
    assert len(db.lifts) == 3
    assert keep_lifts(uow, svc, comparison(1.5), **ids, engine_version="threadlift batch") == 3  # another engine
    assert db.lifts[("a", "midface", "left", ENGINE_VERSION)].lift_mm == 0.8 and len(db.lifts) == 6  # kept beside
