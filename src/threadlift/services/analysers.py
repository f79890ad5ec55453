"""Where a stored or uploaded photo is analysed: in this process (tests, the command line), or in a
worker process of lower priority beside the web server.

A photo's analysis is seconds of CPU in native code and Python. In the web server's own process it
would take the interpreter lock from the threads serving pages, and both cores from them when several
photos arrive at once; in a worker process at a lower scheduling priority (nice 10), the pages are served
first and the analysis takes what CPU is left (bench/pages.py measures it).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor

from threadlift.face.analysis import FaceAnalysis, default_analyzer
from threadlift.face.load import load_photo

WORKER_NICENESS = 10


def analyse_here(data: bytes) -> FaceAnalysis:
    """The photo's analysis, in this process; raises PhotoError for an unusable file."""
    return default_analyzer().analyze(load_photo(data))


class WorkerAnalyser:
    """Analyses photos in one worker process of lower priority, started on first use (a clinic
    whose staff never uploads a photo never starts it). The worker loads the models once."""

    def __init__(self, workers: int = 1) -> None:
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(self, data: bytes) -> FaceAnalysis:
        return self._executor().submit(analyse_here, data).result()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn, not fork: the server's process has threads (and a fork would copy their locks)
                self._pool = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_yield_to_the_server)
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None


def _yield_to_the_server() -> None:
    """In the worker, before its models and their threads start (threads inherit the priority)."""
    os.nice(WORKER_NICENESS)
    default_analyzer()
