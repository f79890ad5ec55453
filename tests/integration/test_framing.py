"""Photos as people frame them: the same face pasted anywhere in a larger frame, or cropped tight, loose or
off-centre, reads the same pose and the same measurements (the pose is against the line of sight).

Lengths are compared at the reference reading's scale, as a calibration marker would hold it; the iris
scale's own wobble (which moves a 130 mm width by 1.3 mm at 1%) is bounded separately.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.photos import upscaled
from tests.integration.test_real_photos import flat_values
from threadlift.face.analysis import Analyzer, FaceAnalysis
from threadlift.face.load import Photo

pytestmark = pytest.mark.mediapipe

# Each photo at a size where its face passes the quality gate's 100 px between the pupils: the sample
# portrait and takeo have about 40 px there (1.6 mm per pixel, where 0.3 mm is a fifth of a pixel).
PHOTOS = [("astronaut.png", 3.0), ("obama2.jpg", 1.0), ("obama3.jpg", 1.0), ("takeo.png", 4.0),
          ("breakingbad.jpg", 1.0)]
MAX_POSE_CHANGE_DEG = 2.0
MAX_VALUE_CHANGE_MM = 0.3
MAX_IRIS_SCALE_CHANGE = 0.01


def _pasted(rgb: np.ndarray, where: str) -> np.ndarray:
    """The photo on a grey canvas half as large again (so the working resolution does not change)."""
    height, width = rgb.shape[:2]
    side = int(max(height, width) * 1.5)
    top = {"top": 0, "bottom": side - height}.get(where, (side - height) // 2)
    left = {"left": 0, "right": side - width}.get(where, (side - width) // 2)
    canvas = np.full((side, side, 3), 128, np.uint8)
    canvas[top:top + height, left:left + width] = rgb
    return canvas


def _cropped(rgb: np.ndarray, analysis: FaceAnalysis, margin: float, offset: tuple[float, float]) -> np.ndarray:
    """A crop around the face: ``margin`` face sizes on each side, the face shifted by ``offset`` of the crop."""
    x, y, w, h = analysis.bbox_px
    size = max(w, h) * (1 + 2 * margin)
    centre = np.array([x + w / 2, y + h / 2]) - np.array(offset) * size
    x0, y0 = np.maximum(np.round(centre - size / 2).astype(int), 0)
    x1, y1 = np.minimum(np.round(centre + size / 2).astype(int), [rgb.shape[1], rgb.shape[0]])
    return np.ascontiguousarray(rgb[y0:y1, x0:x1])


def _assert_same(analyzer: Analyzer, reference: FaceAnalysis, rgb: np.ndarray, label: str) -> None:
    other = analyzer.analyze(Photo.from_array(rgb))
    scale_change = abs(other.calibration.mm_per_px / reference.calibration.mm_per_px - 1)
    assert scale_change <= MAX_IRIS_SCALE_CHANGE, (label, scale_change)
    pose_change = max(abs(getattr(reference.pose, axis) - getattr(other.pose, axis))
                      for axis in ("yaw_deg", "pitch_deg", "roll_deg"))
    assert pose_change <= MAX_POSE_CHANGE_DEG, (label, reference.pose, other.pose)
    assert reference.view is other.view, label
    at_same_scale = analyzer.analyze(Photo.from_array(rgb), mm_per_px=reference.calibration.mm_per_px)
    before, after = flat_values(reference), flat_values(at_same_scale)
    for key in before.keys() & after.keys():
        unit, value = before[key]
        if unit == "mm":
            assert abs(after[key][1] - value) <= MAX_VALUE_CHANGE_MM, (label, key, value, after[key][1])


@pytest.mark.parametrize("name, enlarge", PHOTOS)
def test_a_face_pasted_anywhere_in_a_larger_frame_reads_the_same(analyzer, name, enlarge):
    rgb = upscaled(name, enlarge)
    centre = analyzer.analyze(Photo.from_array(_pasted(rgb, "centre")))
    for where in ("top", "bottom", "left", "right"):
        _assert_same(analyzer, centre, _pasted(rgb, where), f"{name} {where}")


@pytest.mark.parametrize("name, enlarge", PHOTOS[:4])
def test_a_face_cropped_tight_loose_or_off_centre_reads_the_same(analyzer, name, enlarge):
    rgb = upscaled(name, enlarge)
    whole = analyzer.analyze(Photo.from_array(rgb))
    # Off-centre by 0.15 of the crop either way: the face then sits in a third of the frame with the hair and
    # ears still in it (with the outline a twentieth of a face from the edge, the jaw points move by 1 mm).
    for margin, offset in ((0.3, (0.0, 0.0)), (0.9, (0.0, 0.0)), (0.9, (0.15, 0.15)), (0.9, (-0.15, -0.15)),
                           (0.9, (0.15, -0.15))):
        _assert_same(analyzer, whole, _cropped(rgb, whole, margin, offset), f"{name} margin {margin} offset {offset}")
