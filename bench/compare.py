"""Benchmark of `compare` and `simulate` on 12-megapixel JPEGs made from the real test photos.

Prints medians on one core, all measured in the same run:
  compare of two 12 MP photos end to end (both analyses included) against two `analyze` runs
  (target: at most 2x), and `simulate` of a 12 MP photo at full resolution (target: under 1 s).

Usage: python bench/compare.py [--repeats N]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.analyze import PHOTOS, interleaved_median_ms, twelve_megapixel_jpeg  # noqa: E402
from threadlift.face.analysis import Analyzer  # noqa: E402
from threadlift.face.compare import compare  # noqa: E402
from threadlift.face.simulate import simulate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    analyzer = Analyzer()
    print(f"{'photo (12 MP JPEG)':22} {'2x analyze':>11} {'compare':>9} {'ratio':>6} {'simulate':>9}")
    ratios, simulates = [], []
    for name in PHOTOS:
        before = twelve_megapixel_jpeg(name)
        analysis = analyzer.analyze(before)
        full = np.asarray(Image.open(io.BytesIO(before)).convert("RGB"))
        after_rgb = simulate(full, analysis, {"midface": 3.0, "jawline": 2.0})
        buffer = io.BytesIO()
        Image.fromarray(after_rgb).save(buffer, "JPEG", quality=92)
        after = buffer.getvalue()
        timed = interleaved_median_ms({
            "two": lambda b=before, a=after: (analyzer.analyze(b), analyzer.analyze(a)),
            "pair": lambda b=before, a=after: compare(b, a, analyzer=analyzer, force=True),
            "preview": lambda f=full, an=analysis: simulate(f, an, {"brow": 2, "midface": 3, "jawline": 2})},
            args.repeats)
        two, pair, preview = timed["two"], timed["pair"], timed["preview"]
        ratios.append(pair / two)
        simulates.append(preview)
        print(f"{name:22} {two:9.1f}ms {pair:7.1f}ms {pair / two:6.2f} {preview:7.1f}ms")
    print(f"{'median':22} {'':11} {'':9} {statistics.median(ratios):6.2f} {statistics.median(simulates):7.1f}ms"
          "   (targets: ratio <= 2.0, simulate < 1000 ms)")


if __name__ == "__main__":
    main()
