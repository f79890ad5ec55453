"""The A4 marking sheet: the map, the thread list with empty cells for lot numbers, the anaesthetic plan.

Printed for the procedure day: lot numbers and expiry dates are written in by hand as the threads
are opened (PRO-01), then entered in the procedure record. The sheet names no patient; the clinic
writes the patient's identifier in the box, so the file itself holds no identity.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from threadlift.plan.checks import injection_points
from threadlift.plan.draw import PANEL_WIDTH_UNITS, jpeg_bytes
from threadlift.plan.model import Plan
from threadlift.plan.scene import Scene

MARGIN_MM = 12.0
MAP_HEIGHT_MM = 118.0


def _day(moment: datetime) -> str:
    return f"{moment:%d %b %Y}"


def _hour(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def marking_sheet_pdf(plan: Plan, scene: Scene, *, printed_at: datetime, day: Callable[[datetime], str] = _day,
                      hour: Callable[[datetime], str] = _hour) -> bytes:
    """The A4 marking sheet; ``day`` and ``hour`` write its dates as the clinic does (its format, its clock)."""
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=7.5, leading=9)
    heading = ParagraphStyle("heading", parent=styles["Heading3"], fontSize=10, spaceBefore=4, spaceAfter=2)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN_MM * mm, rightMargin=MARGIN_MM * mm,
                                 topMargin=MARGIN_MM * mm, bottomMargin=MARGIN_MM * mm,
                                 title="ThreadLift marking sheet", author="ThreadLift")
    width = A4[0] - 2 * MARGIN_MM * mm
    title = ParagraphStyle("title", parent=styles["Title"], fontSize=16, alignment=0)
    printed = f"{day(printed_at)} {hour(printed_at)}"
    story: list[Flowable] = [_header(plan, day(plan.created_at), printed, width, title, small)]
    picture = jpeg_bytes(scene)
    aspect = (scene.width + round(PANEL_WIDTH_UNITS * scene.unit)) / scene.height
    map_height = min(MAP_HEIGHT_MM * mm, width / aspect)
    story += [Spacer(1, 2 * mm), Image(io.BytesIO(picture), width=map_height * aspect, height=map_height)]
    story += [Paragraph("Threads (write the lot number and expiry as each packet is opened)", heading),
              _thread_table(plan, width)]
    story += [Paragraph("Local anaesthetic", heading), *_anaesthetic(plan, small)]
    notes = _notes(plan)
    if notes:
        story += [Paragraph("Warnings", heading), *[Paragraph(n, small) for n in notes]]
    document.build(story)
    return buffer.getvalue()


def _header(plan: Plan, made: str, printed: str, width: float, title: ParagraphStyle, small: ParagraphStyle) -> Table:
    concerns = ", ".join(plan.concerns) or "none"
    facts = (f"Plan of {made}; printed {printed}. Concerns: {concerns}. "
             f"Jurisdiction: {plan.jurisdiction}. Coordinates in mm in the face frame (x toward the patient's left).")
    table = Table([[Paragraph("Marking sheet", title), "Patient ID:\n\n\nClinician:"], [Paragraph(facts, small), ""]],
                  colWidths=[width * 0.68, width * 0.32])
    table.setStyle(TableStyle([("BOX", (1, 0), (1, 1), 0.6, colors.black), ("SPAN", (1, 0), (1, 1)),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTSIZE", (1, 0), (1, 0), 8)]))
    return table


def _thread_table(plan: Plan, width: float) -> Table:
    numbers = {point: i + 1 for i, point in enumerate(injection_points(plan))}

    def number(point: tuple[float, float]) -> int:
        return min(numbers.items(), key=lambda kv: (kv[0][0] - point[0]) ** 2 + (kv[0][1] - point[1]) ** 2)[1]

    rows = [["#", "Side", "Area", "Design", "Material", "Gauge", "Length", "Points", "Depth", "Lot number", "Expiry"]]
    for i, t in enumerate(plan.threads):
        rows.append([f"T{i + 1}", t.side.value, t.area, t.design.replace("_", " "), t.material, t.gauge,
                     f"{t.length_mm:g} mm", f"{number(t.vector.entry.xy())}->{number(t.vector.exit.xy())}",
                     t.vector.depth_plane.replace("_", "-"), "", ""])
    fractions = [0.05, 0.06, 0.09, 0.15, 0.07, 0.06, 0.07, 0.07, 0.11, 0.17, 0.10]
    table = Table(rows, colWidths=[width * f for f in fractions], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTSIZE", (0, 0), (-1, -1), 7), ("LEADING", (0, 0), (-1, -1), 8.5),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    return table


def _anaesthetic(plan: Plan, style: ParagraphStyle) -> list[Paragraph]:
    la = plan.local_anaesthetic
    if la is None:
        return [Paragraph("No anaesthetic plan (no threads).", style)]
    adrenaline = " with adrenaline 1:200,000" if la.with_adrenaline else ""
    lines = [f"{la.points} points x {la.volume_per_point_ml:g} mL of {la.concentration_percent:g}% lidocaine"
             f"{adrenaline} = {la.points * la.volume_per_point_ml:g} mL, <b>{la.total_mg:g} mg</b>."]
    if la.maximum_mg is None:
        lines.append("Maximum: enter the patient's weight (the maximum depends on it). ")
    else:
        share = la.total_mg / la.maximum_mg
        lines.append(f"Maximum for this patient: <b>{la.maximum_mg:g} mg</b> ({share:.0%} of it planned). ")
    lines.append(f"Basis: {la.basis}. Sources: {', '.join(la.sources)}. Record every injection in the procedure "
                 "record, which keeps the running total (PRO-04).")
    return [Paragraph(" ".join(lines), style)]


def _notes(plan: Plan) -> list[str]:
    notes = []
    if plan.referral is not None:
        notes.append(f"<b>Referral:</b> {plan.referral.text}")
    warnings = [f for f in plan.danger_flags if f.level == "warning"]
    for flag in warnings:
        where = f" ({flag.point})" if flag.point else ""
        estimated = ", estimated position" if flag.estimated else ""
        notes.append(f"{flag.thread_id}: {flag.kind.replace('_', ' ')} {flag.zone.replace('_', ' ')}{where}, "
                     f"{flag.distance_mm:g} mm{estimated} {flag.source}")
    cautions = len([f for f in plan.danger_flags if f.level == "caution"])
    if cautions:
        notes.append(f"{cautions} caution(s): subcutaneous paths crossing or passing near a zone; see the plan.")
    notes += plan.warnings
    return notes
