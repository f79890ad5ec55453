"""Pictures of a comparison for clinician and patient: aligned pair, blend, arrows in millimetres;
and the lift-over-time plot of a series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from threadlift.face.areas import FRONTAL_AREAS, Side, outline_mm
from threadlift.face.compare import Comparison, Series
from threadlift.face.flow import resample_colour

ARROW_GAIN = 4.0  # arrows are drawn four times their length so a 2 mm lift is visible
_ENLARGE = 2
_LIFT = (40, 190, 90)
_DROP = (230, 70, 60)
_NONE = (200, 200, 200)


def aligned_pair(c: Comparison) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """Before and after, both resampled onto the before photo's face frame (for a before/after slider)."""
    if c.displacement is None or c.registration is None:
        raise ValueError("this pair was not compared (not comparable and not forced); nothing to draw")
    grid = c.displacement.grid
    frame = c.before.frame
    before = resample_colour(c.before.photo.rgb, c.before.photo.scale, grid, frame)
    after = resample_colour(c.after.photo.rgb, c.after.photo.scale, grid, frame, c.registration)
    return before, after


def render_comparison(c: Comparison) -> Image.Image:
    """Before | after (aligned to before) | blend with arrows; labels in millimetres with their ±."""
    before, after = aligned_pair(c)
    assert c.displacement is not None
    grid = c.displacement.grid
    frame = c.before.frame
    blend = ((before.astype(np.uint16) + after) // 2).astype(np.uint8)
    panels = [Image.fromarray(p).resize((p.shape[1] * _ENLARGE, p.shape[0] * _ENLARGE), Image.Resampling.LANCZOS)
              for p in (before, after, blend)]
    width, height = panels[0].size
    header, footer = 56, 70
    canvas = Image.new("RGB", (3 * width, height + header + footer), (20, 20, 20))
    for i, panel in enumerate(panels):
        canvas.paste(panel, (i * width, header))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=max(14, width // 28))
    small = ImageFont.load_default(size=max(12, width // 36))
    for i, title in enumerate(("before", "after (aligned to before)", "overlay: tissue movement")):
        draw.text((i * width + 10, 12), title, font=font, fill=(255, 255, 255))
    points_mm = frame.to_mm(c.before.landmarks_px)
    for area in FRONTAL_AREAS:
        for side in (Side.LEFT, Side.RIGHT):
            change = c.areas.get(area, {}).get(side)
            if change is None:
                continue
            centre = grid.to_grid_px(outline_mm(points_mm, area, side).mean(axis=0)) * _ENLARGE
            origin = centre + np.array([2 * width, header])
            # Face-frame (lateral, up) back to grid axes: x toward the patient's left, y down.
            dx = change.lateral_mm if side is Side.LEFT else -change.lateral_mm
            vector = np.array([dx, -change.lift_mm]) * grid.px_per_mm * _ENLARGE * ARROW_GAIN
            colour = _NONE if not change.measurable else (_LIFT if change.lift_mm >= 0 else _DROP)
            _arrow(draw, origin, origin + vector, colour, width=max(2, width // 200))
            label = f"{change.lift_mm:+.1f}±{change.uncertainty_mm:.1f}" if change.measurable else "no change"
            draw.text((origin[0] + 6, origin[1] + 4), label, font=small, fill=colour, stroke_width=2,
                      stroke_fill=(0, 0, 0))
    registration = c.registration
    lines = [f"Arrows {ARROW_GAIN:g}x their length; numbers are the lift in mm (up is +) with the ± that holds about "
             "95% of the time. Grey: no measurable change.",
             f"Aligned on eye corners and nose (error {registration.error_mm:.2f} mm)." if registration else "",
             "NOT COMPARABLE, compared on request: " + "; ".join(r.code for r in c.reasons) if c.forced else ""]
    for i, line in enumerate(x for x in lines if x):
        draw.text((10, height + header + 8 + 20 * i), line, font=small, fill=(255, 255, 255))
    return canvas


def save_comparison_image(c: Comparison, path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    render_comparison(c).save(target, format="PNG")
    return target


def _arrow(draw: ImageDraw.ImageDraw, start: NDArray[np.float64], end: NDArray[np.float64],
           colour: tuple[int, int, int], width: int) -> None:
    draw.line([tuple(start), tuple(end)], fill=colour, width=width)
    direction = end - start
    length = float(np.linalg.norm(direction))
    draw.ellipse((start[0] - width, start[1] - width, start[0] + width, start[1] + width), fill=colour)
    if length < 4:
        return
    unit = direction / length
    normal = np.array([-unit[1], unit[0]])
    head = 4 * width + 4
    left, right = end - unit * head + normal * head / 2, end - unit * head - normal * head / 2
    draw.polygon([tuple(end), tuple(left), tuple(right)], fill=colour)


def plot_series(series: Series, path: str | Path) -> Path:
    """Lift (mm, with its ±) per area and side against days since the baseline, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if any(day is None for day in series.days):
        raise ValueError("a photo has no date; give --dates (the capture date is missing from its EXIF)")
    figure, axes = plt.subplots(figsize=(9, 5), dpi=120)
    markers = {Side.LEFT: "o", Side.RIGHT: "s"}
    for area in FRONTAL_AREAS:
        for side in (Side.LEFT, Side.RIGHT):
            points = [(0, 0.0, 0.0)] + [(day, change.lift_mm, change.uncertainty_mm)
                                        for day, change in series.lift_over_time(area, side) if change is not None]
            if len(points) < 2:
                continue
            days, lifts, errors = zip(*points, strict=True)
            axes.errorbar(days, lifts, yerr=errors, marker=markers[side], capsize=3,
                          label=f"{area.value}, patient's {side.value}")
    axes.axhline(0.0, color="grey", linewidth=1)
    axes.set_xlabel("days since baseline")
    axes.set_ylabel("lift (mm, up is +)")
    axes.set_title("Tissue lift per area over time (± about 95%)")
    axes.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target)
    plt.close(figure)
    return target

