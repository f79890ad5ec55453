"""Draw a marking-map scene as PNG (Pillow) or SVG (self-contained, one ``<g class="thread">`` per thread).

The photo keeps the drawing (zones, axes, arrows, points, sides); the legend and the thread list sit
in a panel to its right so nothing covers the face.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from threadlift.plan.scene import AREA_COLOURS, ZONE_COLOURS, ZONE_LABELS, Arrow, Pixel, Scene

ZONE_ALPHA = 0.28
WARNING = (255, 40, 40)
AXIS = (0, 200, 255)
PANEL_WIDTH_UNITS = 470
Colour = tuple[int, int, int]
Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


@dataclass(frozen=True)
class Row:
    kind: str  # title, zone, arrow, dot, warning, text, note
    colour: Colour
    text: str


def panel_rows(scene: Scene) -> list[Row]:
    white = (255, 255, 255)
    rows = [Row("title", white, "Marking map")]
    seen: set[str] = set()
    for zone in scene.zones:
        if zone.name not in seen:
            seen.add(zone.name)
            rows.append(Row("zone", ZONE_COLOURS[zone.group],
                            ZONE_LABELS[zone.name] + (" (est.)" if zone.estimated else "")))
    for area in dict.fromkeys(a.area for a in scene.arrows):
        rows.append(Row("arrow", AREA_COLOURS.get(area, white), f"{area}: arrow = direction of lift"))
    rows.append(Row("dot", white, "injection point, numbered (white entry, dark exit)"))
    if any(a.flagged for a in scene.arrows):
        rows.append(Row("warning", WARNING, "thread with a danger-zone warning"))
    if scene.arrows:
        rows.append(Row("title", white, "Threads"))
        rows += [Row("text", AREA_COLOURS.get(a.area, white), a.description) for a in scene.arrows]
    rows += [Row("note", (255, 214, 10), note) for note in scene.notes]
    return rows


def _arrow_head(tip: Pixel, tail: Pixel, size: float) -> list[Pixel]:
    angle = math.atan2(tip[1] - tail[1], tip[0] - tail[0])
    return [tip, (tip[0] - size * math.cos(angle - 0.4), tip[1] - size * math.sin(angle - 0.4)),
            (tip[0] - size * math.cos(angle + 0.4), tip[1] - size * math.sin(angle + 0.4))]


def _path(arrow: Arrow) -> list[Pixel]:
    return [arrow.tail, *([arrow.via] if arrow.via else []), arrow.head]


def _label_anchor(arrow: Arrow, unit: float) -> tuple[Pixel, bool]:
    """Where the thread's label goes: just beyond the exit, away from the entry; and whether it reads leftward."""
    start = arrow.via or arrow.head
    dx, dy = arrow.tail[0] - start[0], arrow.tail[1] - start[1]
    norm = math.hypot(dx, dy) or 1.0
    return (arrow.tail[0] + dx / norm * 14 * unit, arrow.tail[1] + dy / norm * 14 * unit), dx < 0


def _rgb(colour: Colour) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


# -- PNG ---------------------------------------------------------------------------------------------


def to_png(scene: Scene) -> Image.Image:
    u = scene.unit
    photo = Image.fromarray(scene.photo).convert("RGBA")
    photo = Image.alpha_composite(photo, _zones_layer(scene, photo.size))
    draw = ImageDraw.Draw(photo)
    font = ImageFont.load_default(size=max(12, round(15 * u)))
    small = ImageFont.load_default(size=max(10, round(11 * u)))
    for start, end, label in scene.axes:
        _dashed(draw, start, end, (*AXIS, 220), max(1, round(1.5 * u)), 8 * u)
        _text(draw, (end[0], end[1] + 4 * u), label, small, (*AXIS, 255), scene.width, align_right=label != "midline")
    for arrow in scene.arrows:
        colour = AREA_COLOURS.get(arrow.area, (255, 255, 255))
        width = max(2, round(3 * u))
        if arrow.flagged:
            draw.line(_path(arrow), fill=(*WARNING, 255), width=width + max(2, round(4 * u)), joint="curve")
        draw.line(_path(arrow), fill=(*colour, 255), width=width, joint="curve")
        draw.polygon(_arrow_head(arrow.head, arrow.via or arrow.tail, 18 * u), fill=(*colour, 255))
        anchor, leftward = _label_anchor(arrow, u)
        _text(draw, anchor, arrow.label, small, (*colour, 255), scene.width, align_right=leftward)
    for dot in scene.dots:
        r = 9 * u
        x, y = dot.at
        fill, ink = ((255, 255, 255, 255), (0, 0, 0, 255)) if dot.role != "exit" else \
            ((30, 30, 30, 255), (255, 255, 255, 255))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=(0, 0, 0, 255), width=max(1, round(u)))
        box = draw.textbbox((0, 0), str(dot.number), font=small)
        draw.text((x - (box[2] + box[0]) / 2, y - (box[3] + box[1]) / 2), str(dot.number), font=small, fill=ink)
    for (x, y), text in scene.side_labels:
        half = draw.textbbox((0, 0), text, font=font)[2] / 2
        _text(draw, (x - half, y), text, font, (255, 255, 255, 255), scene.width)
    if scene.banner:
        draw.rectangle((0, 0, scene.width, 26 * u), fill=(176, 0, 32, 220))
        draw.text((8 * u, 5 * u), scene.banner, font=small, fill=(255, 255, 255, 255))
    if scene.scale_bar is not None:
        (sx, sy), (ex, _) = scene.scale_bar
        draw.line((sx, sy, ex, sy), fill=(255, 255, 255, 255), width=max(2, round(3 * u)))
        _text(draw, (sx, sy + 5 * u), "20 mm", small, (255, 255, 255, 255), scene.width)
    canvas = Image.new("RGB", (scene.width + round(PANEL_WIDTH_UNITS * u), scene.height), (20, 20, 20))
    canvas.paste(photo.convert("RGB"), (0, 0))
    _png_panel(ImageDraw.Draw(canvas), scene, font, small)
    return canvas


def _zones_layer(scene: Scene, size: tuple[int, int]) -> Image.Image:
    layer = Image.new("RGBA", size)
    for zone in scene.zones:
        # One mask per zone, so that a zone's overlapping strokes do not darken.
        mask = Image.new("L", size)
        draw = ImageDraw.Draw(mask)
        if zone.group == "safe":
            draw.polygon(zone.points, fill=255)
        else:
            radius = zone.width_px / 2
            draw.line(zone.points, fill=255, width=max(1, round(zone.width_px)), joint="curve")
            for x, y in (zone.points[0], zone.points[-1]):
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
        colour = Image.new("RGBA", size, (*ZONE_COLOURS[zone.group], 0))
        colour.putalpha(mask.point(lambda v: round(v * ZONE_ALPHA)))
        layer = Image.alpha_composite(layer, colour)
    return layer


def _dashed(draw: ImageDraw.ImageDraw, start: Pixel, end: Pixel, fill: tuple[int, ...], width: int,
            dash: float) -> None:
    steps = max(1, int(math.dist(start, end) / dash))
    for i in range(0, steps, 2):
        a, b = i / steps, min(1.0, (i + 1) / steps)
        draw.line([(start[0] + (end[0] - start[0]) * a, start[1] + (end[1] - start[1]) * a),
                   (start[0] + (end[0] - start[0]) * b, start[1] + (end[1] - start[1]) * b)], fill=fill, width=width)


def _text(draw: ImageDraw.ImageDraw, xy: Pixel, text: str, font: Font, colour: tuple[int, ...], limit: float,
          *, align_right: bool = False) -> None:
    width = draw.textbbox((0, 0), text, font=font)[2]
    x = xy[0] - width if align_right else xy[0]
    x = min(max(3.0, x), limit - width - 3.0)  # keep the label on the photo
    box = draw.textbbox((x, xy[1]), text, font=font)
    draw.rectangle((box[0] - 3, box[1] - 2, box[2] + 3, box[3] + 2), fill=(0, 0, 0, 170))
    draw.text((x, xy[1]), text, font=font, fill=colour)


def _png_panel(draw: ImageDraw.ImageDraw, scene: Scene, font: Font, small: Font) -> None:
    u = scene.unit
    x0 = scene.width + 14 * u
    right = scene.width + PANEL_WIDTH_UNITS * u - 10 * u
    y = 14 * u
    for row in panel_rows(scene):
        if row.kind == "title":
            y += 6 * u
            draw.text((x0, y), row.text, font=font, fill=row.colour)
            y += 24 * u
            continue
        swatch = (x0, y + 2 * u, x0 + 18 * u, y + 14 * u)
        if row.kind == "zone":
            draw.rectangle(swatch, fill=tuple(round(c * 0.6 + 20 * 0.4) for c in row.colour), outline=row.colour)
        elif row.kind == "dot":
            draw.ellipse((swatch[0] + 3 * u, swatch[1], swatch[0] + 15 * u, swatch[3]), fill=row.colour)
        elif row.kind in ("arrow", "warning"):
            middle = (swatch[1] + swatch[3]) / 2
            draw.line((swatch[0], middle, swatch[2], middle), fill=row.colour, width=max(2, round(3 * u)))
        indent = 0 if row.kind in ("text", "note") else 26 * u
        for line in _wrap(draw, row.text, small, right - x0 - indent):
            draw.text((x0 + indent, y), line, font=small, fill=row.colour if row.kind in ("text", "note")
                      else (235, 235, 235))
            y += 16 * u
        y += 3 * u


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: Font, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textbbox((0, 0), f"{lines[-1]} {word}", font=font)[2] <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


# -- SVG ---------------------------------------------------------------------------------------------


# DejaVu Sans (and Arial) glyphs average at most about 0.62 em wide: a bound for a label's width in SVG,
# where the browser, not this code, lays the text out.
SVG_EM_WIDTH = 0.62


def svg_label_x(x: float, text: str, font_size: float, limit: float) -> float:
    """The centre of a centred label moved in, if need be, so the whole label stays on the photo."""
    half = len(text) * SVG_EM_WIDTH * font_size / 2 + 3
    return min(max(x, half), limit - half)


def to_svg(scene: Scene, *, editable: bool = False, panel: bool = True) -> str:
    """A standalone SVG with the photo embedded as JPEG. ``editable`` adds a focusable handle on each
    thread's entry and exit and the mm-to-pixel transform, for the web plan editor; without ``panel``
    the legend and thread list are left to the page around it."""
    u = scene.unit
    buffer = io.BytesIO()
    Image.fromarray(scene.photo).save(buffer, format="JPEG", quality=90)
    photo = base64.b64encode(buffer.getvalue()).decode("ascii")
    total = scene.width + (round(PANEL_WIDTH_UNITS * u) if panel else 0)
    transform = " ".join(f"{v:.6f}" for v in scene.transform)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{scene.height}" '
           f'viewBox="0 0 {total} {scene.height}" font-family="DejaVu Sans, Arial, sans-serif"'
           + (f' data-transform="{transform}" role="application" aria-label="Marking map editor"' if editable else "")
           + ">",
           "<title>ThreadLift marking map</title>",
           f'<rect x="0" y="0" width="{total}" height="{scene.height}" fill="#141414"/>',
           f'<image href="data:image/jpeg;base64,{photo}" x="0" y="0" width="{scene.width}" height="{scene.height}"/>',
           '<g class="zones">']
    for zone in scene.zones:
        colour = _rgb(ZONE_COLOURS[zone.group])
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zone.points)
        attributes = (f'class="zone" data-zone="{zone.name}" data-side="{zone.side}" '
                      f'data-estimated="{str(zone.estimated).lower()}"')
        title = f"<title>{escape(ZONE_LABELS[zone.name])}{' (estimated)' if zone.estimated else ''}</title>"
        if zone.group == "safe":
            out.append(f'<polygon {attributes} points="{points}" fill="{colour}" fill-opacity="{ZONE_ALPHA}">'
                       f"{title}</polygon>")
        else:
            out.append(f'<polyline {attributes} points="{points}" fill="none" stroke="{colour}" '
                       f'stroke-opacity="{ZONE_ALPHA}" stroke-width="{zone.width_px:.1f}" stroke-linecap="round" '
                       f'stroke-linejoin="round">{title}</polyline>')
    out.append("</g>")
    out.append(f'<g class="axes" fill="{_rgb(AXIS)}" font-size="{11 * u:.1f}">')
    for (sx, sy), (ex, ey), label in scene.axes:
        anchor = "start" if label == "midline" else "end"
        out.append(f'<line class="axis" x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" '
                   f'stroke="{_rgb(AXIS)}" stroke-dasharray="{8 * u:.1f} {8 * u:.1f}" stroke-width="{1.5 * u:.1f}"/>'
                   f'<text x="{min(ex, scene.width - 3):.1f}" y="{ey + 15 * u:.1f}" text-anchor="{anchor}">'
                   f"{escape(label)}</text>")
    out.append("</g>")
    for arrow in scene.arrows:
        out.append(_svg_arrow(arrow, u))
    out.append('<g class="points">')
    for dot in scene.dots:
        fill, ink = ("#ffffff", "#000000") if dot.role != "exit" else ("#1e1e1e", "#ffffff")
        out.append(f'<g class="point" data-role="{dot.role}"><circle cx="{dot.at[0]:.1f}" cy="{dot.at[1]:.1f}" '
                   f'r="{9 * u:.1f}" fill="{fill}" stroke="#000"/>'
                   f'<text x="{dot.at[0]:.1f}" y="{dot.at[1] + 4 * u:.1f}" font-size="{11 * u:.1f}" fill="{ink}" '
                   f'text-anchor="middle">{dot.number}</text></g>')
    out.append("</g>")
    for (x, y), text in scene.side_labels:
        x = svg_label_x(x, text, 15 * u, scene.width)
        out.append(f'<text class="side" x="{x:.1f}" y="{y:.1f}" font-size="{15 * u:.1f}" fill="#fff" '
                   f'text-anchor="middle" paint-order="stroke" stroke="#000" stroke-width="{3 * u:.1f}">{text}</text>')
    if scene.banner:
        out.append(f'<g class="pose-warning" role="alert"><rect x="0" y="0" width="{scene.width}" '
                   f'height="{26 * u:.1f}" fill="#b00020" fill-opacity="0.85"/><text x="{8 * u:.1f}" '
                   f'y="{18 * u:.1f}" font-size="{13 * u:.1f}" fill="#fff">{escape(scene.banner)}</text></g>')
    if scene.scale_bar is not None:
        (sx, sy), (ex, _) = scene.scale_bar
        out.append(f'<line class="scale" x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{sy:.1f}" stroke="#fff" '
                   f'stroke-width="{3 * u:.1f}"/><text x="{sx:.1f}" y="{sy + 16 * u:.1f}" fill="#fff" '
                   f'font-size="{11 * u:.1f}" paint-order="stroke" stroke="#000" '
                   f'stroke-width="{3 * u:.1f}">20 mm</text>')
    if editable:
        out.extend(_svg_handles(scene))
    if panel:
        out.extend(_svg_panel(scene))
    out.append("</svg>")
    return "\n".join(out)


def _svg_handles(scene: Scene) -> list[str]:
    """Draggable, focusable entry and exit points (arrow keys move them 1 mm, with Shift 5 mm)."""
    u = scene.unit
    out = ['<g class="handles">']
    for arrow in scene.arrows:
        for end, (x, y) in (("entry", arrow.head), ("exit", arrow.tail)):
            label = f"T{arrow.number} {end} point: drag, or use the arrow keys"
            out.append(f'<circle class="handle" tabindex="0" role="button" aria-label="{escape(label)}" '
                       f'data-thread="{escape(arrow.thread_id)}" data-end="{end}" cx="{x:.1f}" cy="{y:.1f}" '
                       f'r="{11 * u:.1f}" fill="#ffffff" fill-opacity="0.01" stroke="#f2a900" '
                       f'stroke-width="{2 * u:.1f}"/>')
    out.append("</g>")
    return out


def _svg_arrow(arrow: Arrow, u: float) -> str:
    colour = _rgb(AREA_COLOURS.get(arrow.area, (255, 255, 255)))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in _path(arrow))
    head = " ".join(f"{x:.1f},{y:.1f}" for x, y in _arrow_head(arrow.head, arrow.via or arrow.tail, 18 * u))
    warning = (f'<polyline class="warning" points="{path}" fill="none" stroke="{_rgb(WARNING)}" '
               f'stroke-width="{7 * u:.1f}" stroke-linejoin="round"/>' if arrow.flagged else "")
    (lx, ly), leftward = _label_anchor(arrow, u)
    return (f'<g class="thread" data-thread="{escape(arrow.thread_id)}" data-area="{arrow.area}">{warning}'
            f'<polyline class="arrow" points="{path}" fill="none" stroke="{colour}" stroke-width="{3 * u:.1f}" '
            f'stroke-linejoin="round"/><polygon class="arrowhead" points="{head}" fill="{colour}"/>'
            f'<text x="{lx:.1f}" y="{ly + 11 * u:.1f}" font-size="{11 * u:.1f}" fill="{colour}" '
            f'text-anchor="{"end" if leftward else "start"}" paint-order="stroke" stroke="#000" '
            f'stroke-width="{3 * u:.1f}">{escape(arrow.label)}</text>'
            f"<title>{escape(arrow.description)}</title></g>")


def _svg_panel(scene: Scene) -> list[str]:
    u = scene.unit
    x0 = scene.width + 14 * u
    y = 14 * u
    out = [f'<g class="legend" font-size="{11 * u:.1f}" fill="#ebebeb">']
    for row in panel_rows(scene):
        colour = _rgb(row.colour)
        if row.kind == "title":
            y += 6 * u
            out.append(f'<text x="{x0:.1f}" y="{y + 14 * u:.1f}" font-size="{15 * u:.1f}" fill="#fff">'
                       f"{escape(row.text)}</text>")
            y += 24 * u
            continue
        if row.kind == "zone":
            out.append(f'<rect x="{x0:.1f}" y="{y + 2 * u:.1f}" width="{18 * u:.1f}" height="{12 * u:.1f}" '
                       f'fill="{colour}" fill-opacity="0.6"/>')
        elif row.kind == "dot":
            out.append(f'<circle cx="{x0 + 9 * u:.1f}" cy="{y + 8 * u:.1f}" r="{6 * u:.1f}" fill="#fff"/>')
        elif row.kind in ("arrow", "warning"):
            out.append(f'<line x1="{x0:.1f}" y1="{y + 8 * u:.1f}" x2="{x0 + 18 * u:.1f}" y2="{y + 8 * u:.1f}" '
                       f'stroke="{colour}" stroke-width="{3 * u:.1f}"/>')
        indent = 0 if row.kind in ("text", "note") else 26 * u
        fill = f' fill="{colour}"' if row.kind in ("text", "note") else ""
        for line in _wrap_chars(row.text, int((PANEL_WIDTH_UNITS - 30 - indent / u) / 6.2)):
            out.append(f'<text x="{x0 + indent:.1f}" y="{y + 12 * u:.1f}"{fill}>{escape(line)}</text>')
            y += 16 * u
        y += 3 * u
    out.append("</g>")
    return out


def _wrap_chars(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


PNG_COMPRESS_LEVEL = 1  # a third of the time of the default level for a photo-sized map, for a larger file


def png_bytes(scene: Scene) -> bytes:
    buffer = io.BytesIO()
    to_png(scene).save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def jpeg_bytes(scene: Scene, quality: int = 92) -> bytes:
    """The map as JPEG: what the PDF embeds (a photograph; ReportLab passes JPEG through unchanged)."""
    buffer = io.BytesIO()
    to_png(scene).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
