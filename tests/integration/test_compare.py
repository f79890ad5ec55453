"""Before/after comparison and lift preview on the real photos in ../shared/data/faces."""

from __future__ import annotations

from datetime import date

import jsonschema
import numpy as np
import pytest

from tests.helpers.photos import faces_dir, read_rgb, recompressed, similarity, upscaled
from threadlift.face.analysis import Analyzer, FaceAnalysis
from threadlift.face.areas import FRONTAL_AREAS, Area, Side
from threadlift.face.compare import Comparison, compare, compare_series
from threadlift.face.compare_draw import plot_series, render_comparison
from threadlift.face.compare_report import comparison_schema, comparison_to_dict, series_to_dict
from threadlift.face.load import Photo
from threadlift.face.simulate import LABEL, simulate

pytestmark = pytest.mark.mediapipe


@pytest.fixture(scope="module")
def baseline(analyzer: Analyzer) -> tuple[np.ndarray, FaceAnalysis]:
    rgb = read_rgb("obama3.jpg")
    return rgb, analyzer.analyze(Photo.from_array(rgb))


def lifted(analyzer: Analyzer, baseline, area: Area, side: Side, mm: float) -> FaceAnalysis:
    rgb, analysis = baseline
    return analyzer.analyze(Photo.from_array(simulate(rgb, analysis, {area: mm}, sides=(side,), label=False)))


def other_areas(comparison: Comparison, area: Area, side: Side) -> list[float]:
    return [change.magnitude_mm for a, sides in comparison.areas.items() for s, change in sides.items()
            if change is not None and (a, s) != (area, side)]


@pytest.mark.parametrize("area", FRONTAL_AREAS)
@pytest.mark.parametrize("side", [Side.LEFT, Side.RIGHT])
def test_a_simulated_lift_is_measured_where_it_was_made_and_nowhere_else(analyzer, baseline, area, side):
    for mm in (1.0, 2.0, 3.0, 4.0, 5.0):
        result = compare(baseline[1], lifted(analyzer, baseline, area, side, mm), analyzer=analyzer)
        assert result.comparable, result.reasons
        change = result.areas[area][side]
        assert change is not None and change.measurable
        assert change.magnitude_mm == pytest.approx(mm, abs=max(0.3, 0.1 * mm)), (area, side, mm)
        assert change.lift_mm > 0
        assert max(other_areas(result, area, side)) < 0.3, (area, side, mm)


@pytest.mark.parametrize("name, enlarge", [("obama3.jpg", 1.0), ("astronaut.png", 3.0)])
def test_a_rotated_scaled_recompressed_copy_shows_no_measurable_change(analyzer, name, enlarge):
    rgb = upscaled(name, enlarge)
    original = analyzer.analyze(Photo.from_array(rgb))
    copy = analyzer.analyze(Photo.from_array(recompressed(similarity(rgb, angle_deg=7.0, scale=0.8), 70)))
    result = compare(original, copy, analyzer=analyzer)
    assert result.comparable
    assert result.registration is not None and result.registration.error_mm < 0.5
    for area in FRONTAL_AREAS:
        for side in Side:
            change = result.areas[area][side]
            assert change is not None and not change.measurable, (area, side, change)
    document = comparison_to_dict(result)
    assert all(s["summary"].startswith("no measurable change")
               for a in document["areas"].values() for s in a.values() if s)


def test_flipping_both_photos_swaps_the_sides_of_the_result(analyzer, baseline):
    rgb, analysis = baseline
    after_rgb = simulate(rgb, analysis, {Area.MIDFACE: 3.0}, sides=(Side.LEFT,), label=False)
    straight = compare(analysis, analyzer.analyze(Photo.from_array(after_rgb)), analyzer=analyzer)
    flipped = compare(analyzer.analyze(Photo.from_array(np.ascontiguousarray(rgb[:, ::-1]))),
                      analyzer.analyze(Photo.from_array(np.ascontiguousarray(after_rgb[:, ::-1]))), analyzer=analyzer)
    left, mirrored = straight.areas[Area.MIDFACE][Side.LEFT], flipped.areas[Area.MIDFACE][Side.RIGHT]
    assert left is not None and mirrored is not None
    assert mirrored.lift_mm == pytest.approx(left.lift_mm, abs=0.3)
    assert mirrored.lateral_mm == pytest.approx(left.lateral_mm, abs=0.3)
    assert not flipped.areas[Area.MIDFACE][Side.LEFT].measurable


def codes(result: Comparison) -> set[str]:
    return {reason.code for reason in result.reasons}


def test_pairs_that_cannot_be_compared_are_refused_with_their_reason(analyzer, baseline):
    frontal = baseline[1]
    oblique = analyzer.analyze(faces_dir() / "breakingbad.jpg")
    other_person = analyzer.analyze(Photo.from_array(upscaled("takeo.png", 6.0)))
    turned = analyzer.analyze(faces_dir() / "obama2.jpg")  # same man, 27° of yaw apart, speaking
    assert "different_views" in codes(compare(frontal, oblique, analyzer=analyzer))
    assert "different_person" in codes(compare(frontal, other_person, analyzer=analyzer))
    refused = compare(frontal, turned, analyzer=analyzer)
    # obama2's 16° of yaw to the line of sight also puts it just past the frontal view's 15°
    assert {"pose_difference", "different_views"} <= codes(refused)
    assert not refused.measured and refused.areas == {}
    document = comparison_to_dict(refused)
    jsonschema.validate(document, comparison_schema())
    assert document["comparable"]["ok"] is False and document["areas"] is None


def test_force_compares_anyway_and_says_so(analyzer, baseline):
    other_person = analyzer.analyze(Photo.from_array(upscaled("takeo.png", 6.0)))
    forced = compare(baseline[1], other_person, analyzer=analyzer, force=True)
    assert forced.forced and forced.measured and not forced.comparable
    document = comparison_to_dict(forced)
    jsonschema.validate(document, comparison_schema())
    assert document["comparable"] == {**document["comparable"], "ok": False, "forced": True}
    render_comparison(forced)  # the picture carries the warning


def test_a_series_follows_the_lift_over_time(analyzer, baseline, tmp_path):
    rgb, analysis = baseline
    photos = [analysis] + [analyzer.analyze(Photo.from_array(simulate(rgb, analysis, {Area.JAWLINE: mm}, label=False)))
                           for mm in (4.0, 2.5, 1.0)]
    dates = [date(2026, 1, 5), date(2026, 1, 12), date(2026, 2, 5), date(2026, 4, 5)]
    series = compare_series(photos, dates, analyzer=analyzer)
    assert series.days == (7, 31, 90)
    lifts = [change.magnitude_mm for _, change in series.lift_over_time(Area.JAWLINE, Side.LEFT)]
    assert lifts == sorted(lifts, reverse=True) and lifts[0] == pytest.approx(4.0, abs=0.4)
    jsonschema.validate(series_to_dict(series), comparison_schema())
    plot = plot_series(series, tmp_path / "lift.png")
    assert plot.stat().st_size > 10_000


def test_the_preview_moves_only_the_treated_tissue_and_says_it_is_an_illustration(baseline):
    rgb, analysis = baseline
    preview = simulate(rgb, analysis, {Area.MIDFACE: 3.0, Area.JAWLINE: 2.0, Area.BROW: 2.0}, label=False)
    assert preview.shape == rgb.shape
    difference = np.abs(preview.astype(int) - rgb).sum(axis=2)
    x, y, w, h = (int(v) for v in analysis.bbox_px)
    assert not difference[:, : max(0, x - w)].any() and not difference[: max(0, y - h)].any()  # background still
    for index in (468, 473, 1, 13, 14):  # pupils, nose tip, lips: at most interpolation rounding
        px, py = (round(float(v)) for v in analysis.landmarks_px[index, :2])
        assert difference[py - 2:py + 3, px - 2:px + 3].mean() < 3.0, index
    assert (difference > 30).sum() > 1000
    labelled = simulate(rgb, analysis, {Area.MIDFACE: 3.0})
    assert (labelled[-5:, :50] < 40).all() and LABEL == "illustration, not a prediction"


def test_the_preview_refuses_implausible_lifts(baseline):
    rgb, analysis = baseline
    with pytest.raises(ValueError, match="0-8 mm"):
        simulate(rgb, analysis, {Area.MIDFACE: 12.0})
    with pytest.raises(ValueError, match="choose from"):
        simulate(rgb, analysis, {"forehead": 2.0})
