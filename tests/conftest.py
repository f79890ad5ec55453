from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, profiles

from tests.helpers import records
from tests.helpers.records import Clinic, database_url, open_clinic
from threadlift.face.analysis import AnalysisSettings, Analyzer
from threadlift.face.quality import QualitySettings


@pytest.fixture(scope="session", autouse=True)
def _private_platform_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The platform's data and configuration folders (the default data folder and photo key) point into
    this run's temporary folder: no test reads or writes the real ones of whoever runs the suite."""
    home = tmp_path_factory.mktemp("platform")
    saved = {name: os.environ.get(name) for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "THREADLIFT_KEY",
                                                     "THREADLIFT_KEY_FILE", "THREADLIFT_DATA_DIR")}
    os.environ.update(XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
    records._SQLITE_AT_HEAD = tmp_path_factory.mktemp("migrated") / "head.db"  # the SQLite clinics' template
    for name in ("THREADLIFT_KEY", "THREADLIFT_KEY_FILE", "THREADLIFT_DATA_DIR"):
        os.environ.pop(name, None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


_production_hasher: list[PasswordHasher] = []


def production_password_hasher() -> PasswordHasher:
    """What the store hashes staff passwords with outside the tests (store/users.py)."""
    return _production_hasher[0]


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 with argon2-cffi's test profile (CHEAPEST) in this process: the production parameters
    cost half a second of CPU per hash and check, and every clinic a test opens hashes and checks five
    staff passwords (the suite spent minutes on it). Hashes carry their own parameters, so verifying,
    rehashing and the sign-in rules run unchanged; servers and commands the tests start as processes
    keep the production parameters (tests/unit/test_password_hashing.py checks them)."""
    from threadlift.store import users

    saved = users._hasher
    _production_hasher.append(saved)
    users._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    yield
    users._hasher = saved


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """The production analyser; MediaPipe's models load once for the whole run."""
    return Analyzer()


@pytest.fixture(scope="session")
def open_analyzer(analyzer: Analyzer) -> Analyzer:
    """Same models, pose limits opened, so repeatability tests see every measurement on imperfect photos."""
    settings = AnalysisSettings(enforce_pose_limits=False,
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
def clinic(database, tmp_path) -> Iterator[Clinic]:  # type: ignore[no-untyped-def]
    opened = open_clinic(database, tmp_path)
    yield opened
    opened.close()
