from __future__ import annotations

import pytest

from tests.helpers.records import Clinic, database_url, open_clinic


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    url, schema = database_url(request.param, tmp_path)
    yield url
    if schema is not None:
        schema.drop()


@pytest.fixture
def clinic(database, tmp_path) -> Clinic:
    return open_clinic(database, tmp_path)
