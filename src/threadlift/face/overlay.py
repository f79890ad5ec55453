"""Draw an analysis on a copy of its photo, readable without the JSON.

Faint landmarks, the inter-pupillary line and the facial midline, every reported distance as a
segment with its value, the patient's sides, pose and scale, and the quality problems in a banner.
Geometry comes from the measurement table (:data:`threadlift.face.metrics.MEASURES`); nothing is
measured here.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from threadlift.face.analysis import FaceAnalysis
from threadlift.face.frame import right_side_as_left
from threadlift.face.metrics import MEASURES, fit_midline

_MIN_LONG_SIDE_PX = 1100  # small photos are enlarged so labels stay legible
_MEASURE_COLOUR = (255, 214, 10)
_LINE_COLOUR = (0, 200, 255)
_BAD = (230, 40, 40)
_GOOD = (30, 170, 80)
# Short label and where it goes: "out" away from the midline, "in" toward it (keeps neighbours apart).
_LABELS = {
    "brow_height_mid_pupil_mm": ("brow", "in"), "brow_height_lateral_mm": ("lat. brow", "out"),
    "palpebral_fissure_height_mm": ("fissure", "out"), "lateral_canthal_tilt_deg": ("tilt", "out"),
    "malar_below_ipl_mm": ("malar", "out"), "cheek_below_alar_base_mm": ("cheek-ala", "in"),
    "commissure_below_ipl_mm": ("mouth corner", "out"), "jowl_depth_mm": ("jowl", "out"),
    "jawline_angle_deg": ("jaw", "in"), "lower_face_width_mm": ("bigonial", "in"),
    "interpupillary_distance_mm": ("IPD", "in"), "middle_third_mm": ("mid third", "in"),
    "lower_third_mm": ("lower third", "in"),
}


def render_overlay(analysis: FaceAnalysis) -> Image.Image:
    """The annotated picture (RGB, PIL): the head and shoulders, enlarged when the photo is small."""
    rgb = analysis.photo.rgb
    scale = analysis.photo.scale
    x, y, w, h = (v / scale for v in analysis.bbox_px)
    left, top = max(0, int(x - 0.8 * w)), max(0, int(y - 0.6 * h))
    right, bottom = min(rgb.shape[1], int(x + 1.8 * w)), min(rgb.shape[0], int(y + 1.5 * h))
    base = Image.fromarray(rgb[top:bottom, left:right])
    enlarge = max(1.0, _MIN_LONG_SIDE_PX / max(base.size))
    if enlarge > 1.0:
        base = base.resize((round(base.width * enlarge), round(base.height * enlarge)), Image.Resampling.LANCZOS)
    offset = np.array([left, top], dtype=np.float64)

    def to_canvas_px(points_px: NDArray[np.float64]) -> NDArray[np.float64]:
        """Original pixels -> canvas pixels."""
        return (np.asarray(points_px)[..., :2] / scale - offset) * enlarge

    canvas = Image.new("RGBA", base.size)
    draw = ImageDraw.Draw(canvas)
    unit = max(base.size) / 1000.0
    font = ImageFont.load_default(size=max(12, round(15 * unit)))
    small = ImageFont.load_default(size=max(10, round(12 * unit)))

    frame = analysis.frame
    radius = max(1.0, 1.2 * unit)
    for px, py in to_canvas_px(analysis.landmarks_px):
        draw.ellipse((px - radius, py - radius, px + radius, py + radius), fill=(255, 255, 255, 90))

    def to_canvas_mm(points_mm: NDArray[np.float64]) -> NDArray[np.float64]:
        return to_canvas_px(frame.to_px(points_mm))

    points_mm = frame.to_mm(analysis.landmarks_px)
    span = float(np.ptp(points_mm[:, 1]))
    ipl = to_canvas_mm(np.array([[-0.6 * span, 0.0], [0.6 * span, 0.0]]))
    draw.line([tuple(ipl[0]), tuple(ipl[1])], fill=(*_LINE_COLOUR, 150), width=max(1, round(unit)))
    a, b = fit_midline(points_mm)
    upper_mm, lower_mm = float(points_mm[:, 1].min()) - 10, float(points_mm[:, 1].max()) + 10
    midline = to_canvas_mm(np.array([[a + b * upper_mm, upper_mm], [a + b * lower_mm, lower_mm]]))
    draw.line([tuple(midline[0]), tuple(midline[1])], fill=(*_LINE_COLOUR, 150), width=max(1, round(unit)))

    for measure in MEASURES:
        result = analysis.measurements.get(measure.name)
        if measure.segment is None or result is None or result.withheld:
            continue
        if measure.sided:
            left_start, left_end = measure.segment(points_mm)
            right_start, right_end = measure.segment(right_side_as_left(points_mm))
            unmirror = np.array([-1.0, 1.0])
            pieces = [((left_start, left_end), result.left, "left"),
                      ((right_start * unmirror, right_end * unmirror), result.right, "right")]
        else:
            pieces = [(measure.segment(points_mm), result.value, "left")]
        short, placement = _LABELS.get(measure.name, (measure.name, "out"))
        for (start, end), value, side in pieces:
            if value is None:
                continue
            ends = to_canvas_mm(np.array([start, end]))
            draw.line([tuple(ends[0]), tuple(ends[1])], fill=(*_MEASURE_COLOUR, 255), width=max(2, round(2 * unit)))
            label = f"{short} {value:.1f}{'°' if measure.unit == 'deg' else ' mm'}"
            width = draw.textbbox((0, 0), label, font=small)[2]
            middle = (ends[0] + ends[1]) / 2
            # Image x grows toward the patient's left in an unmirrored photo.
            outward_right = (side == "left") == (placement == "out")
            x = middle[0] + 5 * unit if outward_right else middle[0] - width - 5 * unit
            _label(draw, (float(x), float(middle[1] - 7 * unit)), label, small, (*_MEASURE_COLOUR, 255))

    bbox = to_canvas_px(np.array([analysis.bbox_px[:2], np.add(analysis.bbox_px[:2], analysis.bbox_px[2:])]))
    _sides(draw, bbox, font, unit)
    _banner(draw, analysis, base.size, font, unit)
    return Image.alpha_composite(base.convert("RGBA"), canvas).convert("RGB")


def save_overlay(analysis: FaceAnalysis, path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    render_overlay(analysis).save(target, format="PNG")
    return target


Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


def _label(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font: Font,
           colour: tuple[int, int, int, int]) -> None:
    box = draw.textbbox(xy, text, font=font)
    draw.rectangle((box[0] - 2, box[1] - 1, box[2] + 2, box[3] + 1), fill=(0, 0, 0, 150))
    draw.text(xy, text, font=font, fill=colour)


def _sides(draw: ImageDraw.ImageDraw, bbox: NDArray[np.float64], font: Font,
           unit: float) -> None:
    (x0, y0), (x1, y1) = bbox
    middle = y0 + (y1 - y0) * 0.45
    # In an unmirrored photo the patient's right is on the image's left.
    width = draw.textbbox((0, 0), "patient's R", font=font)[2]
    _label(draw, (max(2.0, x0 - width - 12 * unit), middle), "patient's R", font, (255, 255, 255, 255))
    _label(draw, (x1 + 10 * unit, middle), "patient's L", font, (255, 255, 255, 255))


def _banner(draw: ImageDraw.ImageDraw, analysis: FaceAnalysis, size: tuple[int, int],
            font: Font, unit: float) -> None:
    q, p, c = analysis.quality, analysis.pose, analysis.calibration
    lines = ["QUALITY OK" if q.ok else "QUALITY PROBLEMS - measurements are unreliable:"]
    limit = max(20, int(size[0] / (8.2 * unit)))
    for issue in q.issues:
        lines += textwrap.wrap(f"{issue.code}: {issue.message}", limit, initial_indent="  ", subsequent_indent="    ")
    colour = _GOOD if q.ok else _BAD
    y = 6 * unit
    for i, line in enumerate(lines):
        _label(draw, (8 * unit, y), line, font, (*(colour if i == 0 else (255, 255, 255)), 255))
        y += 20 * unit
    uncertainty = ""
    if c.uncertainty_mm_per_px is not None:
        uncertainty = f" ± {100 * c.uncertainty_mm_per_px / c.mm_per_px:.1f}%"
    footer = [f"{analysis.view.value} · yaw {p.yaw_deg:+.1f}° pitch {p.pitch_deg:+.1f}° roll {p.roll_deg:+.1f}°",
              f"scale {c.mm_per_px:.4f} mm/px{uncertainty} ({c.method.value}) · severity and values are estimates "
              "for the clinician"]
    for i, line in enumerate(footer):
        _label(draw, (8 * unit, size[1] - (44 - 20 * i) * unit), line, font, (255, 255, 255, 255))
