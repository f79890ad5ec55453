"""The analysis on the real photos in ../shared/data/faces (MediaPipe runs for real)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.helpers.photos import faces_dir, read_rgb, recompressed, similarity, upscaled
from threadlift.face.analysis import Analyzer, FaceAnalysis
from threadlift.face.errors import MultipleFaces, NoFace
from threadlift.face.load import Photo
from threadlift.face.pose import View

pytestmark = pytest.mark.mediapipe

# iBUG-68 -> MediaPipe points that mean the same thing (../shared/data/faces/README.md).
SAFE_PAIRS = {36: 33, 39: 133, 42: 362, 45: 263, 30: 1, 48: 61, 54: 291, 8: 152, 51: 0, 57: 17}
# Frontal photos enlarged to the size of a clinical camera's (9-13 megapixels). obama2 is left out: its
# 14° of yaw sits on the frontal/oblique boundary, so small transforms change its view.
FRONTAL = [("astronaut.png", 6.0), ("obama3.jpg", 2.0), ("takeo.png", 16.0)]
TRANSFORMS = [("rotate +10°", {"angle_deg": 10.0}, 1.0, None), ("rotate -10°", {"angle_deg": -10.0}, 1.0, None),
              ("scale 0.5", {"scale": 0.5}, 0.5, None), ("scale 2", {"scale": 2.0}, 2.0, None),
              ("translate", {"shift_px": (137.0, 61.0)}, 1.0, None), ("JPEG q70", {}, 1.0, 70),
              ("rotate, scale, JPEG", {"angle_deg": -6.0, "scale": 0.7}, 0.7, 70)]


def read_pts(name: str) -> np.ndarray:
    lines = (faces_dir() / name).read_text().splitlines()
    body = lines[lines.index("{") + 1:lines.index("}")]
    return np.array([[float(v) for v in line.split()] for line in body]) - 1.0  # 1-based in the file


def flat_values(analysis: FaceAnalysis) -> dict[str, tuple[str, float]]:
    values: dict[str, tuple[str, float]] = {}
    for name, result in analysis.measurements.items():
        if result.withheld:
            continue
        if result.value is not None:
            values[name] = (result.unit, result.value)
        else:
            values[f"{name}[left]"] = (result.unit, result.left)
            values[f"{name}[right]"] = (result.unit, result.right)
    for region, result in analysis.symmetry.items():
        if result.value is not None:
            values[f"asymmetry_{region}"] = ("mm", result.value)
    return values


@pytest.mark.parametrize("photo, annotation, limit", [("takeo.png", "takeo.pts", 0.04),
                                                      ("breakingbad.jpg", "breakingbad.pts", 0.09)])
def test_landmarks_agree_with_manual_annotations(analyzer: Analyzer, photo, annotation, limit):
    truth = read_pts(annotation)
    found = analyzer.analyze(faces_dir() / photo).landmarks_px[:, :2]
    inter_ocular = np.linalg.norm(truth[36] - truth[45])
    errors = np.array([np.linalg.norm(found[mp] - truth[ibug]) for ibug, mp in SAFE_PAIRS.items()]) / inter_ocular
    assert errors.mean() <= limit, dict(zip(SAFE_PAIRS, errors.round(3), strict=True))


def changes(open_analyzer: Analyzer, *, fixed_scale: bool) -> tuple[list[float], list[float], list[float], list[str]]:
    mm, ratio, deg, worst = [], [], [], []
    for name, enlarge in FRONTAL:
        base_rgb = upscaled(name, enlarge)
        base = open_analyzer.analyze(Photo.from_array(base_rgb))
        reference = flat_values(base)
        for label, warp, zoom, quality in TRANSFORMS:
            moved = similarity(base_rgb, **warp) if warp else base_rgb
            if quality:
                moved = recompressed(moved, quality)
            scale = base.calibration.mm_per_px / zoom if fixed_scale else None
            values = flat_values(open_analyzer.analyze(Photo.from_array(moved), mm_per_px=scale))
            assert values.keys() == reference.keys(), (name, label)
            for key, (unit, before) in reference.items():
                delta = abs(values[key][1] - before)
                {"mm": mm, "deg": deg}.get(unit, ratio).append(delta if unit != "ratio" else delta / abs(before))
                if unit == "mm" and delta > 0.6:
                    worst.append(f"{name} {label} {key}: {delta:.2f} mm")
    return mm, ratio, deg, worst


def test_measurements_are_repeatable_under_rotation_scale_translation_and_recompression(open_analyzer):
    """Landmark repeatability with the scale held fixed, as a calibration marker would hold it."""
    mm, ratio, deg, worst = changes(open_analyzer, fixed_scale=True)
    assert len(mm) > 300
    assert np.median(mm) <= 0.3
    assert max(mm) <= 1.0, worst
    assert max(ratio) < 0.02
    assert max(deg) <= 1.0


def test_iris_calibrated_measurements_are_repeatable_within_the_iris_scale_noise(open_analyzer):
    """With the iris as the scale, its wobble (under 0.6%) is added: every length moves by that fraction
    too, 0.75 mm at worst on a 130 mm lower face, and the issue's bounds still hold."""
    mm, ratio, _, worst = changes(open_analyzer, fixed_scale=False)
    assert np.median(mm) <= 0.3
    assert max(mm) <= 1.0, worst
    assert max(ratio) < 0.02


def test_iris_scale_changes_by_under_one_and_a_half_percent(open_analyzer):
    for name, enlarge in FRONTAL:
        base_rgb = upscaled(name, enlarge)
        base = open_analyzer.analyze(Photo.from_array(base_rgb)).calibration.mm_per_px
        for _, warp, zoom, quality in TRANSFORMS:
            moved = similarity(base_rgb, **warp) if warp else base_rgb
            moved = recompressed(moved, quality) if quality else moved
            scale = open_analyzer.analyze(Photo.from_array(moved)).calibration.mm_per_px * zoom
            assert abs(scale / base - 1) < 0.015, name


def test_a_horizontal_flip_swaps_the_patients_left_and_right(open_analyzer):
    deltas = []
    for name, enlarge in FRONTAL:
        rgb = upscaled(name, enlarge)
        original = open_analyzer.analyze(Photo.from_array(rgb))
        flipped = open_analyzer.analyze(Photo.from_array(np.ascontiguousarray(rgb[:, ::-1])))
        for measure, result in original.measurements.items():
            mirror = flipped.measurements[measure]
            if result.withheld or result.unit != "mm":
                continue
            if result.left is not None:
                deltas += [abs(mirror.left - result.right), abs(mirror.right - result.left)]
            else:
                deltas.append(abs(mirror.value - result.value))
    assert np.median(deltas) <= 0.3
    assert max(deltas) <= 1.0


def test_a_photo_without_a_face_is_refused(analyzer):
    shuttle = read_rgb("astronaut.png")[0:300, 330:512]  # the flag and shuttle, nobody's face
    with pytest.raises(NoFace, match="no face found"):
        analyzer.analyze(Photo.from_array(np.ascontiguousarray(shuttle)))
    with pytest.raises(NoFace):
        analyzer.analyze(Photo.from_array(np.full((600, 400, 3), 128, np.uint8)))


def test_two_faces_measure_the_largest_and_warn_or_refuse_when_strict(analyzer):
    left = upscaled("obama3.jpg", 0.5)
    right = cv2.resize(left, None, fx=0.7, fy=0.7)
    canvas = np.full((left.shape[0], left.shape[1] + right.shape[1], 3), 200, np.uint8)
    canvas[:, :left.shape[1]] = left
    canvas[:right.shape[0], left.shape[1]:] = right
    result = analyzer.analyze(Photo.from_array(canvas))
    assert result.faces_found == 2
    assert result.landmarks_px[:, 0].max() < left.shape[1]  # the bigger face, on the left
    assert any("2 faces" in w for w in result.warnings)
    assert "multiple_faces" in {issue.code for issue in result.quality.issues}
    with pytest.raises(MultipleFaces, match="--strict"):
        analyzer.analyze(Photo.from_array(canvas), strict=True)


def test_a_small_face_in_a_large_frame_is_found(analyzer):
    small = read_rgb("takeo.png")
    canvas = np.full((1800, 2400, 3), 90, np.uint8)
    canvas[1200:1200 + small.shape[0], 300:300 + small.shape[1]] = small
    result = analyzer.analyze(Photo.from_array(canvas))
    assert 300 < result.landmarks_px[:, 0].mean() < 300 + small.shape[1]
    assert "face_too_small" in {issue.code for issue in result.quality.issues}


def test_a_printed_marker_sets_the_scale_on_a_real_photo(analyzer):
    rgb = upscaled("obama3.jpg", 1.0).copy()
    marker = cv2.aruco.generateImageMarker(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), 3, 160)
    rgb[1900:2140, 100:340] = 255
    rgb[1940:2100, 140:300] = cv2.cvtColor(marker, cv2.COLOR_GRAY2RGB)
    result = analyzer.analyze(Photo.from_array(rgb), marker_mm=40.0)
    assert result.calibration.method.value == "aruco_marker"
    assert result.calibration.mm_per_px == pytest.approx(40.0 / 160.0, rel=0.01)


def test_quality_gate_names_what_the_photographer_should_fix(analyzer):
    def codes(rgb: np.ndarray) -> set[str]:
        return {issue.code for issue in analyzer.analyze(Photo.from_array(np.ascontiguousarray(rgb))).quality.issues}

    sharp = read_rgb("obama3.jpg")
    assert "blur" not in codes(sharp)
    assert "blur" in codes(cv2.GaussianBlur(sharp, (0, 0), 3))
    assert "underexposed" in codes((sharp * 0.3).astype(np.uint8))
    assert "overexposed" in codes(np.clip(sharp.astype(int) * 2.6, 0, 255).astype(np.uint8))
    assert "mouth_open" in codes(read_rgb("obama2.jpg"))  # speaking, turned 16°: an oblique view
    assert {"smiling", "face_too_small"} <= codes(read_rgb("astronaut.png"))


def test_an_oblique_photo_withholds_frontal_measurements(analyzer):
    result = analyzer.analyze(faces_dir() / "breakingbad.jpg")
    assert result.view in (View.OBLIQUE_LEFT, View.OBLIQUE_RIGHT)
    assert all(r.withheld for r in result.measurements.values())
    assert all("frontal" in (r.withheld or "") for r in result.symmetry.values())
