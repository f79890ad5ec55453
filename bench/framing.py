"""How the analysis reads photos as people frame them: placement in a larger frame, and what is reported.

For each test photo in ../shared/data/faces, prints
  * the spread of yaw, pitch and roll when the photo is pasted at the centre, top, bottom, left and
    right of a grey canvas half as large again (the head did not move, so ideally 0),
  * the largest change of any millimetre value across those placements, at the centre reading's scale,
  * how many of the measurements (frontal and neck) are reported, not withheld, at each placement,
and the sample portrait's reported values. Run it on two versions of the code in one run to compare
them (PYTHONPATH=<other checkout>/src python bench/framing.py).

Usage: python bench/framing.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.photos import upscaled  # noqa: E402
from threadlift.face.analysis import Analyzer, FaceAnalysis  # noqa: E402
from threadlift.face.load import Photo  # noqa: E402

# The photos as they are, and the two small faces enlarged to pass the quality gate's face size.
PHOTOS = [("astronaut.png", 1.0), ("astronaut.png", 3.0), ("obama2.jpg", 1.0), ("obama3.jpg", 1.0),
          ("takeo.png", 1.0), ("takeo.png", 4.0), ("breakingbad.jpg", 1.0)]
PLACES = ("centre", "top", "bottom", "left", "right")


def pasted(rgb: np.ndarray, where: str) -> np.ndarray:
    height, width = rgb.shape[:2]
    side = int(max(height, width) * 1.5)
    top = {"top": 0, "bottom": side - height}.get(where, (side - height) // 2)
    left = {"left": 0, "right": side - width}.get(where, (side - width) // 2)
    canvas = np.full((side, side, 3), 128, np.uint8)
    canvas[top:top + height, left:left + width] = rgb
    return canvas


def millimetres(analysis: FaceAnalysis) -> dict[str, float]:
    values = {}
    for name, result in analysis.measurements.items():
        if result.withheld or result.unit != "mm":
            continue
        if result.value is not None:
            values[name] = result.value
        else:
            values[f"{name}[left]"], values[f"{name}[right]"] = result.left, result.right
    return values


def main() -> None:
    analyzer = Analyzer()
    print(f"{'photo':22} {'yaw/pitch/roll at the centre':>28} {'pose spread °':>13} {'worst mm':>9}  reported "
          f"({'/'.join(PLACES)})")
    for name, enlarge in PHOTOS:
        rgb = upscaled(name, enlarge)
        readings = {where: analyzer.analyze(Photo.from_array(pasted(rgb, where))) for where in PLACES}
        centre = readings["centre"]
        poses = np.array([[r.pose.yaw_deg, r.pose.pitch_deg, r.pose.roll_deg] for r in readings.values()])
        reference = millimetres(centre)
        worst = 0.0
        for where in PLACES[1:]:
            again = millimetres(analyzer.analyze(Photo.from_array(pasted(rgb, where)),
                                                 mm_per_px=centre.calibration.mm_per_px))
            worst = max([worst, *(abs(again[k] - reference[k]) for k in reference.keys() & again.keys())])
        counts = [sum(r.withheld is None for r in reading.measurements.values()) for reading in readings.values()]
        total = len(centre.measurements)
        label = f"{name} x{enlarge:g}"
        pose = "{:+.1f}/{:+.1f}/{:+.1f}".format(*poses[0])
        print(f"{label:22} {pose:>28} {float(np.ptp(poses, axis=0).max()):13.2f} {worst:9.2f}  "
              f"{'/'.join(str(c) for c in counts)} of {total}")
    sample = analyzer.analyze(upscaled("astronaut.png", 1.0))
    print("\nsample portrait (astronaut.png as shipped):")
    for name, result in sample.measurements.items():
        shown = result.withheld or (f"{result.value:.2f}" if result.value is not None
                                    else f"right {result.right:.2f}, left {result.left:.2f}")
        spread = getattr(result, "uncertainty", None)  # absent in versions before the error budget
        margin = "  ± " + ", ".join(f"{part} {u:.2f}" for part, u in spread.items()) if spread else ""
        print(f"  {name:32} {shown}{margin}")


if __name__ == "__main__":
    main()
