from __future__ import annotations

import pytest

from threadlift.face.analysis import AnalysisSettings, Analyzer
from threadlift.face.quality import QualitySettings


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The production analyser; MediaPipe's models load once for the whole run."""
    return Analyzer()


@pytest.fixture(scope="session")
def open_analyzer(analyzer: Analyzer) -> Analyzer:
    """Same models, pose gates opened, so repeatability tests see every measurement on imperfect photos."""
    settings = AnalysisSettings(vertical_yaw_tolerance_deg=90.0,
                                quality=QualitySettings(max_yaw_deg=90.0, max_pitch_deg=90.0))
    return Analyzer(settings, models=analyzer.models)
