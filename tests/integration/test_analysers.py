"""Photos analysed in the web server's worker process: the same analysis as in this process, the same
refusals, and the worker runs at a lower priority than the server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.helpers.photos import jpeg_bytes, read_rgb
from threadlift.face.errors import PhotoError
from threadlift.services.analysers import WORKER_NICENESS, WorkerAnalyser, analyse_here

pytestmark = pytest.mark.mediapipe


@pytest.fixture(scope="module")
def worker() -> Iterator[WorkerAnalyser]:
    analyser = WorkerAnalyser()
    yield analyser
    analyser.close()


def test_the_worker_analyses_as_this_process_does(worker: WorkerAnalyser):
    photo = jpeg_bytes(read_rgb("obama3.jpg"))
    there, here = worker(photo).to_dict(), analyse_here(photo).to_dict()
    assert there["measurements"] == here["measurements"] and there["quality"] == here["quality"]


def test_an_unusable_photo_is_refused_with_its_reason(worker: WorkerAnalyser):
    with pytest.raises(PhotoError) as refused:
        worker(b"%PDF-1.4 not a photo")
    assert refused.value.code == "not_an_image" and refused.value.message


def test_the_worker_yields_the_cpu_to_the_server(worker: WorkerAnalyser):
    pool = worker._executor()
    worker_niceness = pool.submit(os.nice, 0).result()
    assert worker_niceness == os.nice(0) + WORKER_NICENESS
