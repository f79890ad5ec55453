"""The pairing rule ([DESIGN] OUT-02) that the follow-up page, the outcome report and batch compare share."""

from __future__ import annotations

from dataclasses import dataclass

from threadlift.clinic.photos import with_baselines


@dataclass(frozen=True)
class Shot:
    name: str
    view: str
    stage: str


def test_each_follow_up_is_paired_with_the_last_baseline_of_its_view():
    photos = [Shot("b1", "frontal", "baseline"), Shot("f1", "frontal", "follow_up"),
              Shot("b2", "frontal", "baseline"), Shot("o1", "oblique_left", "follow_up"),
              Shot("p1", "frontal", "procedure_day"), Shot("c1", "frontal", "check_in"),
              Shot("f2", "frontal", "follow_up")]
    assert [(b.name, f.name) for b, f in with_baselines(photos)] == [("b2", "f1"), ("b2", "f2")]
    assert with_baselines([]) == [] and with_baselines(iter(photos[:2])) == [(photos[0], photos[1])]
