"""The outcome report: before/after with the lift arrows in mm and their ±, the series plot when there
are several follow-ups, the measurement changes; labelled throughout as measured from photos, with
the method in one paragraph. The pictures come drawn (``threadlift.face.compare_draw``); this module
lays them out."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, Spacer

from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import InvalidTransition
from threadlift.clinic.photos import PhotoRecord
from threadlift.clinic.record import PatientRecord
from threadlift.reports.pdf import MARGIN_MM, Letterhead, build, escape, keep, styles, table

METHOD = ("How this was measured: each photo's 478 face landmarks place it in a face frame in millimetres (scale "
          "from the iris, about 11.7 mm across, or a printed marker). The follow-up photo is aligned on points a "
          "thread does not move (eye corners, nasal root and bridge), and the movement of the skin inside each "
          "treated area is measured pixel by pixel (optical flow); what the nose and eye corners still show is "
          "removed as head movement. Each figure carries an expanded uncertainty (±, about 95%) from the "
          "alignment, the rigid tissue, the scale and the spread within the area; a change inside it is reported "
          "as no measurable change. Photos taken at different angles, with a different expression or of "
          "different faces are not compared. These are measurements from photographs, not a clinical grading.")


@dataclass(frozen=True)
class OutcomePair:
    """One follow-up photo against the baseline: the comparison document and its picture (PNG)."""

    before: PhotoRecord
    after: PhotoRecord
    days: int | None
    document: Mapping[str, Any]
    picture: bytes | None  # PNG or JPEG


def outcome_pdf(letterhead: Letterhead, record: PatientRecord, episode: Episode, pairs: Sequence[OutcomePair],
                series_png: bytes | None) -> bytes:
    if not pairs:
        raise InvalidTransition("an outcome report needs a baseline photo and a follow-up photo of the same view "
                                "(with consent to clinical photography standing)", rule="outcome")
    s = styles()
    width = letterhead.paper[0] - 2 * MARGIN_MM * mm
    done = episode.procedure.started_at if episode.procedure else None
    story: list[Flowable] = [
        Paragraph("Your outcome, measured from photos", s.title),
        Paragraph(escape((f"Thread lift on {letterhead.day(done)}. " if done else "")
                         + f"{len(pairs)} follow-up photo{'s' if len(pairs) != 1 else ''} compared with the "
                         f"baseline photo of {letterhead.day(pairs[0].before.uploaded_at)}."), s.body),
        Paragraph(escape(METHOD), s.small)]
    latest = pairs[-1]
    story.append(Paragraph(escape(f"Before and after ({_when(latest)})"), s.heading))
    story += _pair(latest, width, s)
    if series_png is not None and len(pairs) >= 2:
        plot = _image(series_png, width, 85 * mm)
        story.append(keep(Paragraph("Lift over time (mm, up is +, with its ±)", s.heading), plot))
    for pair in pairs[:-1]:
        story.append(Paragraph(escape(f"Earlier follow-up ({_when(pair)})"), s.heading))
        story += _pair(pair, width, s, picture=False)
    return build(letterhead, record.patient, "Outcome report (measured from photos)", story,
                 subject="outcome measured from photos")


def _when(pair: OutcomePair) -> str:
    return f"{pair.days} days after the baseline" if pair.days is not None else "date unknown"


def _pair(pair: OutcomePair, width: float, s: Any, *, picture: bool = True) -> list[Flowable]:
    doc = pair.document
    out: list[Flowable] = []
    comparable = doc.get("comparable") or {}
    if not doc.get("areas"):
        reasons = "; ".join(r["message"] for r in comparable.get("reasons", [])) or "not measured"
        return [Paragraph(escape(f"These photos could not be compared: {reasons}."), s.body)]
    if comparable.get("forced"):
        out.append(Paragraph("<b>Compared on request although the photos are not fully comparable:</b> "
                             + escape("; ".join(r["message"] for r in comparable.get("reasons", []))), s.body))
    if picture and pair.picture:
        out.append(_image(pair.picture, width, 80 * mm))
        out.append(Paragraph("Left: before. Middle: after, aligned to before. Right: both overlaid, with arrows "
                             "drawn four times their length; numbers are the lift in mm with its ±. Left and right "
                             "are the patient's own sides.", s.small))
    rows: list[list[object]] = [["Area", "Patient's right", "Patient's left"]]
    for area, sides in (doc.get("areas") or {}).items():
        if sides.get("left") is None and sides.get("right") is None:
            continue
        rows.append([area, *((sides[side] or {}).get("summary", "not visible") if sides.get(side) else "not visible"
                             for side in ("right", "left"))])
    out.append(table(rows, [30 * mm, (width - 30 * mm) / 2, (width - 30 * mm) / 2]))
    changes = doc.get("measurement_changes") or {}
    measured = [[name.replace("_", " "), _change(c.get("right"), c["unit"]), _change(c.get("left"), c["unit"]),
                 _change(c.get("value"), c["unit"])] for name, c in changes.items() if not c.get("withheld")]
    if measured:
        out += [Spacer(1, 2 * mm), Paragraph("Measurement changes (after minus before)", s.body),
                table([["Measurement", "Right", "Left", "Single value"], *measured],
                      [70 * mm, *([(width - 70 * mm) / 3] * 3)])]
    registration = doc.get("registration") or {}
    if registration:
        out.append(Paragraph(escape(f"Photos aligned to within {registration.get('error_mm')} mm."), s.small))
    return out


def _change(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{value:+.4f}" if unit == "ratio" else f"{value:+.2f} {unit}"


def _image(png: bytes, width: float, max_height: float) -> Image:
    picture = Image(io.BytesIO(png))
    scale = min(width / picture.imageWidth, max_height / picture.imageHeight)
    picture.drawWidth, picture.drawHeight = picture.imageWidth * scale, picture.imageHeight * scale
    return picture
