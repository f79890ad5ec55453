"""A real server (uvicorn, in a thread) on SQLite or PostgreSQL, and Debian's Chromium driven by Playwright.

Screenshots of every main page are saved under ``test-artifacts/screenshots`` (printed at the end of
the run). Chromium comes from the project's setup (``make test`` installs Debian's package); nothing
downloads a browser.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.clinic import lot_entry
from tests.helpers.records import Clinic, database_url, open_clinic
from tests.helpers.server import served
from threadlift.clinic.threads import Design, Material
from threadlift.services import stock
from threadlift.services.commands import ReceiveLot

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class Site:
    url: str
    clinic: Clinic
    shots: Path


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request, tmp_path) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    url, schema = database_url(request.param, tmp_path)
    clinic = open_clinic(url, tmp_path)
    nurse = clinic.user("nurse-ade")
    today = clinic.clock.now.date()
    for entry in (lot_entry(), lot_entry(lot="PCL-2026-B2", product="Cone 8 PCL", material=Material.PCL,
                                         design=Design.BARBED_UNIDIRECTIONAL)):
        stock.receive_lot(clinic.services, nurse, ReceiveLot(lot=entry))
    clinic.receive_expired_lot(lot_entry(lot="PDO-OLD-9", expiry=today.replace(day=1),
                                         received_on=today.replace(year=2025)))
    shots = ARTIFACTS / request.param
    shots.mkdir(parents=True, exist_ok=True)
    with served(clinic.client.app) as base:
        yield Site(base, clinic, shots)
    clinic.close()
    if schema is not None:
        schema.drop()


@pytest.fixture(scope="session", autouse=True)
def fresh_artifacts() -> None:
    """Screenshots of this run only."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)


@pytest.fixture(scope="session")
def chromium():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium), or apt-get install "
                    "-y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if ARTIFACTS.exists() and any(ARTIFACTS.rglob("*.png")):
        terminalreporter.write_line(f"browser screenshots: {ARTIFACTS}")
