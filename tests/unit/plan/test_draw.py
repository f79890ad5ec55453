"""The marking map's SVG: labels that stay on the photo (issue 14: "patient's RIGHT" was clipped to "GHT")."""

from __future__ import annotations

import re

import numpy as np

from threadlift.plan.draw import SVG_EM_WIDTH, to_svg
from threadlift.plan.scene import Scene


def test_a_side_label_near_the_edge_is_moved_onto_the_photo():
    scene = Scene(width=400, height=300, photo=np.zeros((300, 400, 3), np.uint8), unit=1.0, px_per_mm=4.0,
                  side_labels=[((380.0, 40.0), "patient's LEFT"), ((12.0, 40.0), "patient's RIGHT")])
    svg = to_svg(scene, panel=False)
    for text in ("patient's LEFT", "patient's RIGHT"):
        x = float(re.search(rf'<text class="side" x="([\d.]+)"[^>]*>{re.escape(text)}<', svg).group(1))
        half = len(text) * SVG_EM_WIDTH * 15 / 2
        assert half <= x <= 400 - half, (text, x)
