from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from threadlift.face import landmarks as lm
from threadlift.plan.suggest import PlanInput

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def canonical_mm() -> np.ndarray:
    """MediaPipe's canonical face in the face frame: mm, origin between the pupils, x to the patient's left."""
    face = lm.canonical_face_cm()[:, :2] * np.array([10.0, -10.0])
    return face - (face[lm.IRIS_CENTRE_LEFT] + face[lm.IRIS_CENTRE_RIGHT]) / 2


@pytest.fixture()
def face() -> PlanInput:
    return PlanInput(canonical_mm())
