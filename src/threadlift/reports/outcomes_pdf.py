"""The clinic's outcome statistics as a printable report (``threadlift outcomes report --out report.pdf``):
the same figures as the outcomes page, each with the patients it rests on, withheld ones with the reason."""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer

from threadlift.outcomes import GRADES, DurabilityFigure, OutcomeReport
from threadlift.outcomes.report import PUBLISHED_DURABILITY, RATE_CAVEAT
from threadlift.reports.outcome_plots import durability_plot, effect_plot, gais_plot
from threadlift.reports.pdf import MARGIN_MM, Letterhead, escape, keep, styles, table


def months(days: float | None) -> str:
    return "not reached" if days is None else f"{days / 30.44:.1f}"


def durability_rows(figures: list[DurabilityFigure]) -> list[list[object]]:
    rows: list[list[object]] = [["curve", "patients", "lost / censored", "median months (95% CI)"]]
    for f in figures:
        if f.survival is None:
            rows.append([f.label, f.basis.patients, "", f.basis.withheld or ""])
            continue
        s = f.survival
        rows.append([f.label, f.basis.patients, f"{s.events} / {s.censored}",
                     f"{months(s.median_days)} ({months(s.median_lower_days)} to {months(s.median_upper_days)})"])
    return rows


def _image(data: bytes, width: float) -> Image:
    picture = Image(io.BytesIO(data))
    scale = width / picture.imageWidth
    picture.drawWidth, picture.drawHeight = width, picture.imageHeight * scale
    return picture


def outcomes_pdf(letterhead: Letterhead, report: OutcomeReport, *, made_at: datetime) -> bytes:
    s = styles()
    width = letterhead.paper[0] - 2 * MARGIN_MM * mm
    settings = report.settings
    story: list[Flowable] = [
        Paragraph(escape(f"{letterhead.clinic_name}: outcomes of thread lifts"), s.title),
        Paragraph(escape(f"Made {letterhead.local(made_at)} from {report.procedures} procedures on {report.patients} "
                         f"patients. A lift holds while it measures at least {settings.threshold_mm:g} mm against the "
                         f"baseline photo; a figure resting on fewer than {settings.min_patients} patients is "
                         "withheld."), s.body),
        Paragraph(escape(PUBLISHED_DURABILITY), s.small),
        Paragraph("Durability of the lift (Kaplan-Meier)", s.heading),
        table(durability_rows(report.durability + [report.reported_effect]),
              [0.42 * width, 0.12 * width, 0.16 * width, 0.30 * width])]
    for area in report.areas:
        if any(f.survival is not None for f in report.durability if f.area == area):
            story.append(keep(Paragraph(escape(area), s.heading), _image(durability_plot(report, area, "png"), width)))
    if report.reported_effect.survival is not None:
        story.append(keep(Paragraph("Patient-reported effect (OUT-03)", s.heading),
                          _image(effect_plot(report, "png"), width)))
    story += [Paragraph("Complications per 100 procedures (exact 95% interval)", s.heading),
              Paragraph(escape(RATE_CAVEAT), s.small)]
    rows: list[list[object]] = [["by", "group", "patients", "procedures", "with a complication", "per 100 (95% CI)",
                                 "Clavien-Dindo I/II/IIIa/IIIb/IV/V"]]
    for r in report.rates:
        if r.per_100 is None:
            rows.append([r.by, r.value, r.basis.patients, r.procedures, "", r.basis.withheld or "", ""])
        else:
            rows.append([r.by, r.value, r.basis.patients, r.procedures, r.with_complication,
                         f"{r.per_100:.1f} ({r.low_per_100:.1f} to {r.high_per_100:.1f})",
                         "/".join(str(r.grades[g]) for g in GRADES)])
    story.append(table(rows, [0.1 * width, 0.2 * width, 0.09 * width, 0.1 * width, 0.12 * width, 0.19 * width,
                              0.2 * width]))
    grades = report.grades
    story += [Spacer(1, 3 * mm), Paragraph(escape(
        "Adverse events by Clavien-Dindo grade ([CLAVIEN][CDC-BLEPH]): " + (
            ", ".join(f"{g}: {grades.events[g]}" for g in GRADES) + f" ({grades.basis.patients} patients)"
            if grades.basis.shown else grades.basis.withheld or "")), s.body),
        Paragraph("GAIS per follow-up (standard form, 1 very much improved ... 5 worse)", s.heading)]
    gais: list[list[object]] = [["follow-up", "rater", "patients", "1/2/3/4/5", "improved % (95% CI)"]]
    for g in report.gais:
        if not g.counts:
            gais.append([g.window, g.rater, g.basis.patients, "", g.basis.withheld or ""])
        else:
            gais.append([g.window, g.rater, g.basis.patients, "/".join(str(g.counts[v]) for v in (1, 2, 3, 4, 5)),
                         f"{g.improved_percent:.0f} ({g.improved_low_percent:.0f} to {g.improved_high_percent:.0f})"])
    story.append(table(gais, [0.2 * width, 0.15 * width, 0.12 * width, 0.18 * width, 0.35 * width]))
    if any(g.counts for g in report.gais):
        story.append(_image(gais_plot(report, "png"), width))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=letterhead.paper, leftMargin=MARGIN_MM * mm, rightMargin=MARGIN_MM * mm,
                      topMargin=MARGIN_MM * mm, bottomMargin=MARGIN_MM * mm, title="Outcomes of thread lifts",
                      author=letterhead.clinic_name, creator="ThreadLift").build(story)
    return buffer.getvalue()
