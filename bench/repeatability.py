"""Repeatability of the measurements under rotation, scale, translation and JPEG recompression.

For each frontal test photo (enlarged to 9-13 MP) and each transform of the invariance test, prints
the median and worst change of the millimetre measurements, with the scale held fixed (as a marker or
an entered scale holds it) and with the iris as the scale, for several numbers of refinement passes.

The shipped default number of passes is always measured, first, and marked.

Usage: python bench/repeatability.py [--passes 1 4 6 8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.photos import recompressed, similarity, upscaled  # noqa: E402
from tests.integration.test_real_photos import FRONTAL, TRANSFORMS, flat_values  # noqa: E402
from threadlift.face.analysis import AnalysisSettings, Analyzer  # noqa: E402
from threadlift.face.load import Photo  # noqa: E402
from threadlift.face.quality import QualitySettings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, nargs="+", default=[1, 4, 6])
    args = parser.parse_args()
    shipped = AnalysisSettings().passes
    passes_to_run = [shipped, *(n for n in args.passes if n != shipped)]
    models = Analyzer().models
    photos = {name: upscaled(name, enlarge) for name, enlarge in FRONTAL}
    moved = {(name, label): (recompressed(similarity(rgb, **warp) if warp else rgb, quality) if quality
                             else similarity(rgb, **warp), zoom)
             for name, rgb in photos.items() for label, warp, zoom, quality in TRANSFORMS}
    print(f"{'passes':>6} {'scale':>6} {'median mm':>10} {'p90 mm':>8} {'worst mm':>9} {'worst ratio':>12}  worst case"
          "   (* the shipped default)")
    for passes in passes_to_run:
        settings = AnalysisSettings(passes=passes, enforce_pose_limits=False,
                                    quality=QualitySettings(max_yaw_deg=90.0, max_pitch_deg=90.0))
        analyzer = Analyzer(settings, models=models)
        bases = {name: analyzer.analyze(Photo.from_array(rgb)) for name, rgb in photos.items()}
        for fixed in (True, False):
            mm: list[tuple[float, str]] = []
            ratios: list[float] = []
            for (name, label), (rgb, zoom) in moved.items():
                base = bases[name]
                scale = base.calibration.mm_per_px / zoom if fixed else None
                values = flat_values(analyzer.analyze(Photo.from_array(rgb), mm_per_px=scale))
                for key, (unit, before) in flat_values(base).items():
                    delta = abs(values[key][1] - before)
                    if unit == "mm":
                        mm.append((delta, f"{name} {label} {key}"))
                    elif unit == "ratio":
                        ratios.append(delta / abs(before))
            deltas = sorted(d for d, _ in mm)
            worst = max(mm)
            shown = f"{passes}*" if passes == shipped else str(passes)
            print(f"{shown:>6} {'fixed' if fixed else 'iris':>6} {statistics.median(deltas):10.3f} "
                  f"{deltas[int(0.9 * len(deltas))]:8.3f} {worst[0]:9.3f} {100 * max(ratios):11.2f}%  {worst[1]}")


if __name__ == "__main__":
    main()
