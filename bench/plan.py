"""Benchmark of `threadlift plan` steps on 12-megapixel JPEGs made from the real test photos.

Prints medians on one core, measured in the same run: `analyze` (the baseline every plan command
starts with), `suggest` (from the analysis: vectors, zones, flags, anaesthetic plan), and drawing the
marking map as PNG, SVG and the A4 PDF from an analysed photo.

Usage: python bench/plan.py [--repeats N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.analyze import PHOTOS, interleaved_median_ms, twelve_megapixel_jpeg  # noqa: E402
from threadlift.face.analysis import Analyzer  # noqa: E402
from threadlift.plan.draw import png_bytes, to_svg  # noqa: E402
from threadlift.plan.scene import build_scene  # noqa: E402
from threadlift.plan.suggest import PlanInput, suggest  # noqa: E402
from threadlift.reports.marking_sheet import marking_sheet_pdf  # noqa: E402

CONCERNS = ["brow", "midface", "nasolabial", "jawline", "marionette"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    analyzer = Analyzer()
    now = datetime.now(UTC)
    columns = ("analyze", "suggest", "PNG", "SVG", "PDF")
    print(f"{'photo (12 MP JPEG)':22} " + " ".join(f"{c:>9}" for c in columns))
    rows = []
    for name in PHOTOS:
        photo = twelve_megapixel_jpeg(name)
        analysis = analyzer.analyze(photo)
        if analysis.view.value != "frontal":
            continue  # plans are drawn on frontal photos
        source = PlanInput.from_analysis(analysis)
        plan = suggest(source, CONCERNS, now=now, weight_kg=70)
        timed = interleaved_median_ms({
            "analyze": lambda p=photo: analyzer.analyze(p),
            "suggest": lambda s=source: suggest(s, CONCERNS, now=now, weight_kg=70),
            "PNG": lambda p=plan, a=analysis: png_bytes(build_scene(p, a)),
            "SVG": lambda p=plan, a=analysis: to_svg(build_scene(p, a)),
            "PDF": lambda p=plan, a=analysis: marking_sheet_pdf(p, build_scene(p, a), printed_at=now)}, args.repeats)
        figures = tuple(timed[column] for column in columns)
        rows.append(figures)
        print(f"{name:22} " + " ".join(f"{f:7.1f}ms" for f in figures))
    medians = [statistics.median(column) for column in zip(*rows, strict=True)]
    print(f"{'median':22} " + " ".join(f"{f:7.1f}ms" for f in medians))


if __name__ == "__main__":
    main()
