"""Photos analysed in the web server's worker process: the same analysis as in this process, the same
refusals, and the worker runs at a lower priority than the server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.photos import jpeg_bytes, read_rgb
from threadlift.face.errors import PhotoError
from threadlift.services.analysers import WORKER_NICENESS, LocalAnalyser, WorkerAnalyser

pytestmark = pytest.mark.mediapipe


@pytest.fixture(scope="module")
def worker() -> Iterator[WorkerAnalyser]:
    analyser = WorkerAnalyser()
    yield analyser
    analyser.close()


def test_the_worker_analyses_as_this_process_does(worker: WorkerAnalyser):
    photo = jpeg_bytes(read_rgb("obama3.jpg"))
    there, here = worker.summarise(photo, overlay=True), LocalAnalyser().summarise(photo, overlay=True)
    assert there.document["measurements"] == here.document["measurements"]
    assert there.document["quality"] == here.document["quality"]
    assert there.overlay_jpeg and there.overlay_jpeg.startswith(b"\xff\xd8")
    assert worker.analyse(photo).to_dict()["measurements"] == here.document["measurements"]


def test_an_unusable_photo_is_refused_with_its_reason(worker: WorkerAnalyser):
    with pytest.raises(PhotoError) as refused:
        worker.summarise(b"%PDF-1.4 not a photo")
    assert refused.value.code == "not_an_image" and refused.value.message


def test_the_worker_yields_the_cpu_to_the_server(worker: WorkerAnalyser):
    assert worker.niceness() == os.nice(0) + WORKER_NICENESS


def test_the_worker_ends_when_the_server_is_killed(tmp_path):
    """An orphaned worker would keep its memory (and any photo it was given) after a server's kill."""
    script = tmp_path / "server.py"
    script.write_text(
        "import os, sys\n"
        "from threadlift.services.analysers import WorkerAnalyser\n"
        "if __name__ == '__main__':\n"
        "    print(WorkerAnalyser().worker_pid(), flush=True)\n"
        "    os._exit(0)  # killed: no shutdown, no atexit\n")
    server = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True)
    pid = int(server.stdout.strip())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
    assert not _alive(pid), f"worker {pid} outlived its server"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")  # a zombie is gone
