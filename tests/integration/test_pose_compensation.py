"""Undoing the head's pitch in 3D (MediaPipe's own depth), tested on real faces re-rendered at known poses.

Each photo's face is re-rendered from its own mesh with the chin raised and lowered; MediaPipe reads
every rendering afresh. A measurement is marked ``pitch_corrected`` in the table only if undoing the
measured pitch brings it closer to its value on the unturned rendering than the photographed landmarks
are; this test holds that, and that undoing pitch leaves yaw's effect no worse.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.photos import upscaled
from tests.helpers.render import rerender
from threadlift.face.analysis import Analyzer
from threadlift.face.load import Photo
from threadlift.face.measure import face_frame_points
from threadlift.face.metrics import MEASURES, compute
from threadlift.face.pose_budget import components

pytestmark = pytest.mark.mediapipe

PHOTOS = [("astronaut.png", 4.0), ("obama3.jpg", 1.0), ("takeo.png", 8.0)]
PITCHES = (-6.0, -3.0, 3.0, 6.0)
YAWS = (-6.0, 6.0)


def _errors(analyzer: Analyzer, turns: list[tuple[float, float]]) -> dict[str, tuple[list[float], list[float]]]:
    """Per measurement: the largest change of its numbers against the unturned rendering, as photographed
    and with pitch undone, one entry per photo and turn."""
    errors: dict[str, tuple[list[float], list[float]]] = {m.name: ([], []) for m in MEASURES}
    for name, enlarge in PHOTOS:
        base = analyzer.analyze(Photo.from_array(upscaled(name, enlarge)))
        working = base.landmarks_px / base.photo.scale
        readings = []
        for yaw, pitch in [(0.0, 0.0), *turns]:
            seen = analyzer.analyze(Photo.from_array(rerender(base.photo.rgb, working, yaw, pitch)))
            readings.append(face_frame_points(seen.landmarks_px, seen.pose, base.calibration.mm_per_px))
        for m in MEASURES:
            reference = [components(compute(m, points)) for points in readings[0]]
            for photographed, levelled in readings[1:]:
                errors[m.name][0].append(float(np.abs(components(compute(m, photographed)) - reference[0]).max()))
                errors[m.name][1].append(float(np.abs(components(compute(m, levelled)) - reference[1]).max()))
    return errors


def test_undoing_pitch_reduces_the_error_of_every_pitch_corrected_measurement(open_analyzer):
    errors = _errors(open_analyzer, [(0.0, pitch) for pitch in PITCHES])
    for m in MEASURES:
        photographed, levelled = (float(np.mean(e)) for e in errors[m.name])
        if m.pitch_corrected:
            assert levelled < 0.85 * photographed, (m.name, photographed, levelled)


def test_undoing_pitch_does_not_worsen_a_turned_head(open_analyzer):
    errors = _errors(open_analyzer, [(yaw, 0.0) for yaw in YAWS])
    for m in MEASURES:
        if m.pitch_corrected:
            photographed, levelled = (float(np.mean(e)) for e in errors[m.name])
            assert levelled <= photographed * 1.15 + 0.05, (m.name, photographed, levelled)
