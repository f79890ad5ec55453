"""Benchmark of `threadlift analyze` on 12-megapixel JPEGs made from the real test photos.

Prints, per photo, medians over repeated runs on one core, all measured in the same run:
  (a) floor: decode at the working resolution + one mesh inference,
  (b) analyze end to end in one process (the default 2 refinement passes), and b / a,
  (c) analyze --fast (one pass, roughly aligned),
  peer: Emotrics' pipeline (dlib HOG detector on a 200 px copy, 68-point shape predictor at full size),
and the throughput of 100 photos through the `threadlift analyze` command in one process.

Usage: python bench/analyze.py [--repeats N]   (needs the `bench` extra for the dlib peer)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.photos import faces_dir  # noqa: E402
from threadlift.face.analysis import AnalysisSettings, Analyzer  # noqa: E402
from threadlift.face.load import load_photo  # noqa: E402

PHOTOS = ["astronaut.png", "obama2.jpg", "obama3.jpg", "takeo.png", "breakingbad.jpg"]
TWELVE_MP = 12_000_000


def twelve_megapixel_jpeg(name: str) -> bytes:
    image = Image.open(faces_dir() / name).convert("RGB")
    factor = (TWELVE_MP / (image.width * image.height)) ** 0.5
    big = image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    big.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def interleaved_median_ms(actions: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median time of each action, the actions taking turns round by round, so that a burst of load
    from elsewhere on the machine falls on all of them alike rather than on one."""
    for action in actions.values():
        action()  # warm caches
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeats):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) * 1000 for name, values in times.items()}


def dlib_peer() -> Callable[[bytes], object] | None:
    try:
        import dlib
        import face_recognition_models
    except ImportError:
        return None
    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())

    def run(data: bytes) -> object:
        # Emotrics (ProcessLandmarks.getlandmarks): full decode, grey, detect on a 200 px wide copy,
        # retry at full size if nothing is found, then 68 points at full size.
        grey = np.asarray(Image.open(io.BytesIO(data)).convert("L"))
        factor = 200 / grey.shape[1]
        small = np.asarray(Image.fromarray(grey).resize((200, round(grey.shape[0] * factor))))
        boxes = detector(small, 1)
        if boxes:
            box = max(boxes, key=lambda b: b.area())
            box = dlib.rectangle(int(box.left() / factor), int(box.top() / factor), int(box.right() / factor),
                                 int(box.bottom() / factor))
        else:
            found = detector(grey, 1)
            if not found:
                return None
            box = max(found, key=lambda b: b.area())
        return predictor(grey, box)

    return run


def throughput(files: list[Path], fast: bool) -> tuple[float, float]:
    """Photos per second through the CLI in one process: (including start-up, steady state)."""
    command = [sys.executable, "-m", "threadlift.cli", "analyze", *map(str, files), "--json", os.devnull]
    if fast:
        command.append("--fast")
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    total = time.perf_counter() - start
    startup_start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "threadlift.cli", "analyze", str(files[0]), "--json", os.devnull],
                   check=True, capture_output=True)
    one = time.perf_counter() - startup_start
    steady = (len(files) - 1) / max(total - one, 1e-9)
    return len(files) / total, steady


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, for us and our children
    analyzer = Analyzer()
    fast = Analyzer(AnalysisSettings(passes=1), models=analyzer.models)
    models = analyzer.models
    peer = dlib_peer()
    rows = []
    print(f"{'photo (12 MP JPEG)':22} {'floor a':>9} {'analyze b':>10} {'b/a':>6} {'--fast':>8} {'dlib peer':>10}")
    jpegs = {name: twelve_megapixel_jpeg(name) for name in PHOTOS}
    for name, data in jpegs.items():
        actions: dict[str, Callable[[], object]] = {
            "floor": lambda d=data: models.mesh(load_photo(d).rgb),
            "analyze": lambda d=data: analyzer.analyze(d),
            "fast": lambda d=data: fast.analyze(d)}
        if peer:
            actions["peer"] = lambda d=data: peer(d)
        timed = interleaved_median_ms(actions, args.repeats)
        floor, full, quick = timed["floor"], timed["analyze"], timed["fast"]
        peer_ms = timed.get("peer", float("nan"))
        rows.append({"photo": name, "floor_ms": floor, "analyze_ms": full, "ratio": full / floor, "fast_ms": quick,
                     "dlib_ms": peer_ms})
        print(f"{name:22} {floor:8.1f}ms {full:9.1f}ms {full / floor:6.2f} {quick:7.1f}ms {peer_ms:9.1f}ms")
    medians = {key: statistics.median(row[key] for row in rows)
               for key in ("floor_ms", "analyze_ms", "ratio", "fast_ms", "dlib_ms")}
    print(f"{'median':22} {medians['floor_ms']:8.1f}ms {medians['analyze_ms']:9.1f}ms {medians['ratio']:6.2f} "
          f"{medians['fast_ms']:7.1f}ms {medians['dlib_ms']:9.1f}ms")
    with tempfile.TemporaryDirectory() as folder:
        files = []
        for i in range(100):
            name = PHOTOS[i % len(PHOTOS)]
            path = Path(folder) / f"{i:03d}-{name}.jpg"
            path.write_bytes(jpegs[name])
            files.append(path)
        overall, steady = throughput(files, fast=False)
        fast_overall, fast_steady = throughput(files, fast=True)
    print(f"100 photos, `threadlift analyze`, one process, one core: {overall:.1f} photos/s including start-up, "
          f"{steady:.1f} photos/s steady (target >= 12); --fast: {fast_overall:.1f} / {fast_steady:.1f} photos/s")
    results = {"per_photo": rows, "medians": medians, "throughput_photos_per_s": {
        "analyze": overall, "analyze_steady": steady, "fast": fast_overall, "fast_steady": fast_steady}}
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "analyze.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
