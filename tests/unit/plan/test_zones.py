"""Danger zones on constructed vectors: crossing, near and clear (issue 5 §3, PRO-03)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.plan.conftest import canonical_mm
from threadlift.plan.anatomy import anatomy, border, point
from threadlift.plan.model import Point, Side, Thread, Vector
from threadlift.plan.zones import NEAR_MM, clear_point, flag_thread, inside, zones

NAMED = anatomy(canonical_mm())
ZONES = zones(NAMED)


def thread(entry, exit_, *, side=Side.LEFT, anchored=False, depth="subcutaneous") -> Thread:
    return Thread(id="T1", area="jawline", side=side, design="barbed_bidirectional", material="PDO", gauge="21G",
                  length_mm=150, anchored=anchored,
                  vector=Vector(entry=Point(x_mm=entry[0], y_mm=entry[1]), exit=Point(x_mm=exit_[0], y_mm=exit_[1]),
                                depth_plane=depth))


def zone(name: str, side: str = "left"):
    return next(z for z in ZONES if z.name == name and z.side == side)


def flags_for(t: Thread, name: str):
    return [f for f in flag_thread(t, ZONES) if f.zone == name]


def band_point(name: str, offset_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """A point on the zone's centre line (middle of its first segment) and the unit normal there."""
    z = zone(name)
    a, b = z.path_mm[0], z.path_mm[1]
    middle = (a + b) / 2
    direction = (b - a) / np.linalg.norm(b - a)
    normal = np.array([-direction[1], direction[0]])
    return middle + normal * offset_mm, direction


def test_every_side_has_every_zone_with_its_source():
    names = {z.name for z in ZONES if z.side == "left"}
    assert names == {"frontal_branch", "zygomatic_branch", "marginal_mandibular_branch", "facial_artery_notch",
                     "parotid_duct", "superficial_temporal_artery", "facial_artery_nlf",
                     "temporal_anchoring_safe_zone"}
    assert all(z.source.startswith("[") for z in ZONES)
    assert {z.name for z in ZONES if z.side == "right"} == names


def test_zones_built_on_the_tragus_say_they_are_estimates():
    assert zone("frontal_branch").estimated and zone("parotid_duct").estimated
    assert not zone("facial_artery_nlf").estimated  # the fold is on the photo


def test_the_two_sides_mirror_each_other_on_a_symmetric_face():
    for left in (z for z in ZONES if z.side == "left"):
        right = zone(left.name, "right")
        assert np.allclose(left.path_mm * [-1, 1], right.path_mm, atol=1e-6), left.name


def test_marginal_mandibular_band_spans_15_mm_below_to_10_mm_above_the_border():
    z = zone("marginal_mandibular_branch")
    edge = border(NAMED, "left")[:-1]
    assert np.allclose(z.path_mm, edge + [0, 2.5])
    assert z.half_width_mm == pytest.approx(12.5)


def test_a_vector_across_the_jaw_border_crosses_the_marginal_mandibular_zone():
    middle, direction = band_point("marginal_mandibular_branch", 0.0)
    normal = np.array([-direction[1], direction[0]])
    t = thread(tuple(middle - 30 * normal), tuple(middle + 30 * normal))
    [flag] = flags_for(t, "marginal_mandibular_branch")
    assert (flag.kind, flag.level, flag.distance_mm) == ("crosses", "caution", 0.0)
    assert flag.estimated and "MMN" in flag.source


def test_a_deep_thread_across_a_nerve_is_a_warning():
    middle, direction = band_point("marginal_mandibular_branch", 0.0)
    normal = np.array([-direction[1], direction[0]])
    t = thread(tuple(middle - 30 * normal), tuple(middle + 30 * normal), depth="sub_smas")
    [flag] = flags_for(t, "marginal_mandibular_branch")
    assert (flag.kind, flag.level) == ("crosses", "warning")


def test_a_vector_alongside_a_zone_is_near_with_its_distance():
    z = zone("zygomatic_branch")
    offset = z.half_width_mm + 3.0
    start, direction = band_point("zygomatic_branch", offset)
    t = thread(tuple(start - 5 * direction), tuple(start + 5 * direction))
    [flag] = flags_for(t, "zygomatic_branch")
    assert flag.kind == "near" and flag.level == "caution"
    assert flag.distance_mm == pytest.approx(3.0, abs=0.15)


def test_a_vector_far_from_every_zone_is_clear():
    forehead = point(NAMED, "nasion") + [0, -40]
    t = thread(tuple(forehead + [5, 0]), tuple(forehead + [15, 0]))
    assert flag_thread(t, ZONES) == []


def test_just_beyond_the_near_distance_is_clear():
    z = zone("zygomatic_branch")
    start, direction = band_point("zygomatic_branch", z.half_width_mm + NEAR_MM + 1.0)
    t = thread(tuple(start - 3 * direction), tuple(start + 3 * direction))
    assert flags_for(t, "zygomatic_branch") == []


def test_an_entry_point_in_a_zone_is_a_warning_and_an_exit_a_caution():
    centre = zone("facial_artery_notch").path_mm[0]
    away = centre + [0, -40]
    entering = flags_for(thread(tuple(centre), tuple(away)), "facial_artery_notch")
    leaving = flags_for(thread(tuple(away), tuple(centre)), "facial_artery_notch")
    assert (entering[0].kind, entering[0].level, entering[0].point) == ("inside", "warning", "entry")
    assert (leaving[0].kind, leaving[0].level, leaving[0].point) == ("inside", "caution", "exit")


def test_zones_of_the_other_side_are_ignored():
    centre = zone("facial_artery_notch").path_mm[0]
    assert flags_for(thread(tuple(centre), tuple(centre + [0, -40]), side=Side.RIGHT), "facial_artery_notch") == []


def test_an_anchored_thread_must_be_anchored_in_the_temporal_safe_zone():
    safe = zone("temporal_anchoring_safe_zone").path_mm
    inside_point = safe.mean(axis=0)
    outside_point = inside_point + [0, 80]
    good = thread(tuple(inside_point), tuple(inside_point + [-20, 60]), anchored=True)
    bad = thread(tuple(outside_point), tuple(outside_point + [-20, 20]), anchored=True)
    assert flags_for(good, "temporal_anchoring_safe_zone") == []
    [flag] = flags_for(bad, "temporal_anchoring_safe_zone")
    assert flag.kind == "outside_safe_zone" and flag.level == "warning" and flag.distance_mm > 0


def test_clear_point_moves_an_entry_out_of_every_zone():
    centre = zone("facial_artery_notch").path_mm[0]
    moved = clear_point(centre, ZONES, "left", max_shift_mm=40)
    assert np.linalg.norm(moved - centre) > zone("facial_artery_notch").half_width_mm
    t = thread(tuple(moved), tuple(moved + [0, -1]))
    assert not [f for f in flag_thread(t, ZONES) if f.kind == "inside"]


def test_point_in_polygon():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], dtype=float)
    assert inside(np.array([5.0, 5.0]), square) and not inside(np.array([15.0, 5.0]), square)
