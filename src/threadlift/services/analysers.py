"""Where a stored or uploaded photo is analysed: in this process (tests, the command line), or in a
worker process of lower priority beside the web server.

A photo's analysis is a fraction of a second to seconds of CPU, in native code and in Python. In the
web server's own process it would take the interpreter lock from the threads serving pages, and the
cores from them; in a worker process at a lower scheduling priority (nice 10), the pages are served
first and the analysis takes what CPU is left. What comes back is what the use case needs: for storing
or checking a photo, its analysis document (and the overlay, for a check), tens of kilobytes; the whole
analysis, with the photo's pixels (megabytes), only where a map or a comparison is drawn on it.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

from threadlift.services.ports import AnalysisSummary

if TYPE_CHECKING:
    from threadlift.face.analysis import FaceAnalysis

# The photo analysis (MediaPipe, OpenCV: seconds to import) is imported by the functions that analyse,
# so that commands which never analyse a photo (backup, restore, admin) start without it.

WORKER_NICENESS = 10
PARENT_CHECK_S = 1.0
OVERLAY_JPEG_QUALITY = 85


def analyse_here(data: bytes) -> FaceAnalysis:
    """The photo's analysis, in this process; raises PhotoError for an unusable file."""
    from threadlift.face.analysis import default_analyzer
    from threadlift.face.load import load_photo

    return default_analyzer().analyze(load_photo(data))


def summarise_here(data: bytes, overlay: bool = False) -> AnalysisSummary:
    analysis = analyse_here(data)
    drawn = None
    if overlay:
        from threadlift.face.overlay import render_overlay

        buffer = io.BytesIO()
        render_overlay(analysis).save(buffer, format="JPEG", quality=OVERLAY_JPEG_QUALITY)
        drawn = buffer.getvalue()
    return AnalysisSummary(analysis.to_dict(), drawn)


class LocalAnalyser:
    """Analyses in this process (the models load once per process)."""

    def analyse(self, data: bytes) -> FaceAnalysis:
        return analyse_here(data)

    def summarise(self, data: bytes, *, overlay: bool = False) -> AnalysisSummary:
        return summarise_here(data, overlay)

    def close(self) -> None:
        """Nothing to stop: the models live as long as this process."""


class WorkerAnalyser:
    """Analyses in one worker process of lower priority, started on first use (a clinic whose staff
    never uploads a photo never starts it). The worker loads the models once."""

    def __init__(self, workers: int = 1) -> None:
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def analyse(self, data: bytes) -> FaceAnalysis:
        return self._executor().submit(analyse_here, data).result()

    def summarise(self, data: bytes, *, overlay: bool = False) -> AnalysisSummary:
        return self._executor().submit(summarise_here, data, overlay).result()

    def niceness(self) -> int:
        """The worker's scheduling niceness (higher: it yields the CPU sooner)."""
        return int(self._executor().submit(os.nice, 0).result())

    def worker_pid(self) -> int:
        return int(self._executor().submit(os.getpid).result())

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn, not fork: the server's process has threads (and a fork would copy their locks)
                self._pool = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_yield_to_the_server)
            return self._pool

    def close(self) -> None:
        """Stop the worker (the server's shutdown)."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None


def _yield_to_the_server() -> None:
    """In the worker, before its models and their threads start (threads inherit the priority)."""
    os.nice(WORKER_NICENESS)
    threading.Thread(target=_exit_with, args=(os.getppid(),), daemon=True, name="parent-watch").start()
    from threadlift.face.analysis import default_analyzer

    default_analyzer()


def _exit_with(parent: int) -> None:
    """End the worker when the server's process is gone (killed, not shut down): an orphan would keep
    its memory and any photo it was given."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)
