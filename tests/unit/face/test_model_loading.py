"""MediaPipe's models load lazily, and loading points file descriptor 2 at /dev/null for a moment: two
threads doing it at once must load once and leave stderr where it was."""

from __future__ import annotations

import os
import threading
import time

import pytest

from threadlift.face import _mediapipe
from threadlift.face.analysis import Analyzer


def fd2() -> tuple[int, int]:
    found = os.fstat(2)
    return found.st_dev, found.st_ino


def test_two_threads_silencing_stderr_at_once_leave_it_where_it_was():
    before = fd2()
    inside = threading.Event()

    def first() -> None:
        with _mediapipe._native_stderr_silenced():
            inside.set()
            time.sleep(0.2)

    def second() -> None:
        inside.wait()
        with _mediapipe._native_stderr_silenced():  # starts while the first holds fd 2, ends after it
            time.sleep(0.3)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fd2() == before


@pytest.mark.mediapipe
def test_two_threads_asking_for_the_models_at_once_load_them_once(monkeypatch):
    made: list[object] = []
    real = _mediapipe.MediaPipeModels

    def counted() -> object:
        models = real()
        made.append(models)
        return models

    monkeypatch.setattr("threadlift.face.analysis.MediaPipeModels", counted)
    analyzer, start, got = Analyzer(), threading.Barrier(2), []
    before = fd2()

    def ask() -> None:
        start.wait()
        got.append(analyzer.models)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and got[0] is got[1] and fd2() == before
    got[0].close()
