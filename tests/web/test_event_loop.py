"""Nothing blocks the event loop: while one client's 12-megapixel photo is analysed, another client's
page answers in its usual time. Both are measured here, on a real server (uvicorn, as in production),
on SQLite and PostgreSQL; if the analysis ran on the event loop, every request would wait for it."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.helpers.photos import jpeg_bytes, upscaled
from tests.helpers.records import PASSWORD, Clinic, database_url, open_clinic
from tests.helpers.server import served
from tests.helpers.web import page_csrf
from tests.web.test_pages import registered

pytestmark = [pytest.mark.mediapipe, pytest.mark.alone]
TWELVE_MEGAPIXELS = 12_000_000


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request, tmp_path) -> Iterator[tuple[str, Clinic]]:  # type: ignore[no-untyped-def]
    url, schema = database_url(request.param, tmp_path)
    clinic = open_clinic(url, tmp_path)
    with served(clinic.client.app) as base:
        yield base, clinic
    clinic.close()
    if schema is not None:
        schema.drop()


def signed_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 303
    return client


def timed(client: httpx.Client, path: str) -> tuple[float, float]:
    """(when the request started, how long it took), in seconds on the monotonic clock."""
    started = time.perf_counter()
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    return started, time.perf_counter() - started


def test_a_photo_being_analysed_does_not_hold_up_another_clients_page(site: tuple[str, Clinic]):
    base, clinic = site
    _, episode = registered(clinic)
    pixels = upscaled("obama3.jpg", 1.9)  # 2725 x 4433 px: a 12-megapixel phone photo
    assert pixels.shape[0] * pixels.shape[1] >= TWELVE_MEGAPIXELS
    photo = jpeg_bytes(pixels)
    nurse, reception = signed_in(base, "nurse-ade"), signed_in(base, "reception-kim")
    page = "/patients"  # a page that reads the database and renders a template
    for _ in range(3):
        timed(reception, page)  # warm: templates compiled, connections open
    usual = [timed(reception, page)[1] for _ in range(20)]

    upload: dict[str, float] = {}

    def store_the_photo() -> None:
        upload["start"] = time.perf_counter()
        response = nurse.post(f"/episodes/{episode}/photos", data={"view": "frontal", "stage": "baseline",
                                                                    "csrf": page_csrf(nurse.get("/").text)},
                              files={"file": ("phone.jpg", photo, "image/jpeg")})
        upload["end"] = time.perf_counter()
        upload["status"] = response.status_code

    uploader = threading.Thread(target=store_the_photo)
    uploader.start()
    during = []
    while uploader.is_alive():
        during.append(timed(reception, page))
    uploader.join()
    assert upload["status"] == 303  # stored, after its analysis
    upload_s = upload["end"] - upload["start"]
    overlapping = [took for started, took in during if upload["start"] <= started < upload["end"]]
    assert upload_s > 0.1, f"the upload took {upload_s:.2f} s: too little analysis to show anything"
    # Blocked, a page would wait for the rest of the analysis; free, it answers in about its usual time,
    # several times over while the photo is analysed.
    assert len(overlapping) >= 4, f"only {len(overlapping)} page loads in the {upload_s:.2f} s of the upload"
    print(f"upload {upload_s * 1000:.0f} ms; page usually {statistics.median(usual) * 1000:.0f} ms, during the "
          f"upload {statistics.median(overlapping) * 1000:.0f} ms (worst {max(overlapping) * 1000:.0f} ms, "
          f"{len(overlapping)} loads)")
    # All loads but the slowest: one load may meet a stall of the machine's own (seen once in a suite run on
    # 2 cores: 374 ms of a 569 ms upload); a blocked loop would hold up every load made during the analysis.
    assert sorted(overlapping)[-2] < 0.6 * upload_s, (sorted(overlapping), upload_s)
    assert statistics.median(overlapping) < 3 * statistics.median(usual) + 0.05, (
        f"page {statistics.median(overlapping) * 1000:.0f} ms during the upload against "
        f"{statistics.median(usual) * 1000:.0f} ms usually")
