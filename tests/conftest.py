from __future__ import annotations

import pytest

from tests.helpers.records import Clinic, database_url, open_clinic
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


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):  # type: ignore[no-untyped-def]
    """A fresh database of each kind: tests that touch the database run on SQLite and PostgreSQL."""
    url, schema = database_url(request.param, tmp_path)
    yield url
    if schema is not None:
        schema.drop()


@pytest.fixture
def clinic(database, tmp_path) -> Clinic:  # type: ignore[no-untyped-def]
    return open_clinic(database, tmp_path)
