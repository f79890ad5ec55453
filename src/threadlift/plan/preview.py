"""Drive the lift preview (:func:`threadlift.face.simulate.simulate`) with a plan's expected lift per area and side."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from threadlift.face.analysis import FaceAnalysis
from threadlift.face.simulate import MAX_LIFT_MM, simulate
from threadlift.plan.model import Plan, Side

# Plan areas as the preview knows them; the marionette threads lift the mouth corner. The neck is
# planned on a profile and is not previewed from a frontal photo.
PREVIEW_AREA = {"brow": "brow", "midface": "midface", "nasolabial": "nasolabial", "jawline": "jawline",
                "marionette": "commissure"}


def expected_lifts(plan: Plan) -> dict[str, tuple[float, float]]:
    """(patient's left, patient's right) millimetres per preview area; areas without threads lift 0."""
    lifts: dict[str, list[float]] = {}
    for area in plan.areas:
        target = PREVIEW_AREA.get(area.area)
        if target is None or not area.count or not area.expected_lift_mm:
            continue
        pair = lifts.setdefault(target, [0.0, 0.0])
        pair[0 if area.side is Side.LEFT else 1] = min(MAX_LIFT_MM, max(pair[0 if area.side is Side.LEFT else 1],
                                                                          area.expected_lift_mm))
    return {area: (left, right) for area, (left, right) in lifts.items()}


def preview(plan: Plan, rgb: NDArray[np.uint8], analysis: FaceAnalysis) -> NDArray[np.uint8]:
    lifts = expected_lifts(plan)
    if not lifts:
        raise ValueError("the plan has no area with threads and an expected lift to preview")
    return simulate(rgb, analysis, dict(lifts))
