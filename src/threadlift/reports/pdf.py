"""What every patient document shares: paper by jurisdiction, a Unicode font, the clinic's letterhead,
the patient's identifiers on every page, page numbers, and selectable text.

Paper: A4 in the UK, US Letter in the US. The font is DejaVu Sans, embedded (names in any script
print and can be copied out); it ships inside matplotlib, which MediaPipe installs; Helvetica
stands in if it is missing.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

from threadlift.clinic.dates import day_text
from threadlift.clinic.patient import Patient

MARGIN_MM = 18.0
PAPER = {"UK": A4, "US": LETTER}


@dataclass(frozen=True)
class Letterhead:
    """The clinic as its documents name it (settings), and its clock for the dates printed."""

    clinic_name: str
    jurisdiction: str = "UK"
    timezone: str = "Europe/London"
    phone: str | None = None
    date_pattern: str = "%d %b %Y"  # the clinic's one format for a day (THREADLIFT_DATE_FORMAT, clinic.dates)

    @property
    def paper(self) -> tuple[float, float]:
        return PAPER.get(self.jurisdiction, A4)

    def local(self, moment: datetime, fmt: str | None = None) -> str:
        """A time on the clinic's clock; by default its day (in the clinic's format) and hour."""
        if fmt is None:
            return f"{self.day(moment)}, {moment.astimezone(ZoneInfo(self.timezone)):%H:%M}"
        return moment.astimezone(ZoneInfo(self.timezone)).strftime(fmt)

    def day(self, value: date | datetime) -> str:
        """A day as every document writes it: the clinic's format (an instant as the clinic's day)."""
        return day_text(value, self.date_pattern, self.timezone)


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str]:
    """(regular, bold) font names, registered once."""
    spec = importlib.util.find_spec("matplotlib")
    folder = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" if spec and spec.origin else None
    if folder is not None and (folder / "DejaVuSans.ttf").exists():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(folder / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(folder / "DejaVuSans-Bold.ttf")))
        registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold", italic="DejaVuSans",
                           boldItalic="DejaVuSans-Bold")  # so <b> in a paragraph finds the bold face
        return "DejaVuSans", "DejaVuSans-Bold"
    return "Helvetica", "Helvetica-Bold"


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    bullet: ParagraphStyle


def styles() -> Styles:
    regular, bold = fonts()
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName=regular, fontSize=10, leading=13.5)
    return Styles(
        title=ParagraphStyle("title", parent=base["Title"], fontName=bold, fontSize=17, leading=21, alignment=0,
                             spaceAfter=4),
        heading=ParagraphStyle("heading", parent=body, fontName=bold, fontSize=11.5, leading=15, spaceBefore=8,
                               spaceAfter=3),
        body=body, small=ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor(
            "#444444")),
        bullet=ParagraphStyle("bullet", parent=body, leftIndent=12, bulletIndent=2))


def escape(text: str) -> str:
    """Text as ReportLab paragraph markup (its own characters escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def table(rows: Sequence[Sequence[object]], widths: Sequence[float], *, header: bool = True) -> Table:
    regular, bold = fonts()
    cells = [[Paragraph(escape(str(c)), ParagraphStyle("cell", fontName=bold if header and i == 0 else regular,
                                                       fontSize=8.5, leading=10.5)) for c in row]
             for i, row in enumerate(rows)]
    found = Table(cells, colWidths=list(widths), repeatRows=1 if header else 0)
    commands: list[Any] = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")))
    found.setStyle(TableStyle(commands))
    return found


def build(letterhead: Letterhead, patient: Patient, title: str, story: list[Flowable], *, subject: str) -> bytes:
    """A document with the letterhead on top, the patient's name and date of birth on every page, and
    "page N of M" at the foot."""
    buffer = io.BytesIO()
    paper = letterhead.paper
    document = SimpleDocTemplate(buffer, pagesize=paper, leftMargin=MARGIN_MM * mm, rightMargin=MARGIN_MM * mm,
                                 topMargin=(MARGIN_MM + 8) * mm, bottomMargin=(MARGIN_MM + 4) * mm, title=title,
                                 author=letterhead.clinic_name, subject=subject, creator="ThreadLift")
    regular, bold = fonts()
    who = f"{patient.display_name}, born {letterhead.day(patient.date_of_birth)}"

    class NumberedCanvas(Canvas):
        """Draws "page N of M" once every page is known."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self._pages: list[dict[str, object]] = []

        def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # ReportLab's own page reset

        def save(self) -> None:
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(bold, 10)
                self.drawString(MARGIN_MM * mm, paper[1] - 12 * mm, letterhead.clinic_name)
                self.setFont(regular, 8)
                self.drawRightString(paper[0] - MARGIN_MM * mm, paper[1] - 12 * mm, who)
                self.setStrokeColor(colors.grey)
                self.line(MARGIN_MM * mm, paper[1] - 14 * mm, paper[0] - MARGIN_MM * mm, paper[1] - 14 * mm)
                self.drawString(MARGIN_MM * mm, 10 * mm, title)
                self.drawRightString(paper[0] - MARGIN_MM * mm, 10 * mm, f"page {number} of {len(self._pages)}")
                super().showPage()
            super().save()

    document.build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()


def bullets(lines: Sequence[str], style: ParagraphStyle) -> list[Flowable]:
    return [Paragraph(escape(line), style, bulletText="•") for line in lines]


def keep(*flowables: Flowable) -> KeepTogether:
    return KeepTogether(list(flowables))
