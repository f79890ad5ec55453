"""The outcome statistics drawn (matplotlib, Agg, on the server): Kaplan-Meier curves with their 95% bands,
and the GAIS distribution per follow-up window; PNG for pages and print, SVG for zooming."""

from __future__ import annotations

import io
from typing import Any, Literal

from threadlift.outcomes import DurabilityFigure, GaisFigure, OutcomeReport

Format = Literal["png", "svg"]
_DAYS_PER_MONTH = 30.44


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure: Any, fmt: Format) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format=fmt, dpi=110, metadata={"Date": None} if fmt == "svg" else None)
    _pyplot().close(figure)
    return buffer.getvalue()


def survival_plot(figures: list[DurabilityFigure], title: str, fmt: Format) -> bytes:
    """Step curves (months on x), each with its pointwise 95% band and '+' at censored times; withheld
    figures are named in the legend with their patient count, not drawn."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7.5, 4.2))
    for shown in figures:
        if shown.survival is None:
            axes.plot([], [], " ", label=f"{shown.label}: {shown.basis.withheld}")
            continue
        points = shown.survival.points
        months = [p.day / _DAYS_PER_MONTH for p in points]
        line = axes.step(months, [p.surviving for p in points], where="post",
                         label=f"{shown.label} (n={shown.basis.patients} patients)")[0]
        axes.fill_between(months, [p.lower for p in points], [p.upper for p in points], step="post", alpha=0.15,
                          color=line.get_color())
    axes.set_ylim(-0.02, 1.02)
    axes.set_xlim(left=0)
    axes.set_xlabel("months after the procedure")
    axes.set_ylabel("share still holding")
    axes.set_title(title, fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, loc="lower left")
    return _save(figure, fmt)


def durability_plot(report: OutcomeReport, area: str, fmt: Format) -> bytes:
    figures = [f for f in report.durability if f.area == area]
    if not figures:
        raise KeyError(area)
    return survival_plot(figures, f"{area}: lift still at least {report.settings.threshold_mm:g} mm "
                                  "(Kaplan-Meier, 95% band)", fmt)


def effect_plot(report: OutcomeReport, fmt: Format) -> bytes:
    return survival_plot([report.reported_effect], "Patient-reported effect still noticeable (OUT-03)", fmt)


def gais_plot(report: OutcomeReport, fmt: Format) -> bytes:
    """Stacked bars: share of each GAIS score (standard direction) per follow-up window and rater."""
    plt = _pyplot()
    shown: list[GaisFigure] = [f for f in report.gais if f.counts]
    figure, axes = plt.subplots(figsize=(7.5, 0.5 + 0.45 * max(len(shown), 1)))
    colours = {1: "#1a7f37", 2: "#57ab5a", 3: "#a8d5a2", 4: "#cccccc", 5: "#d1242f"}
    names = {1: "very much improved", 2: "much improved", 3: "improved", 4: "no change", 5: "worse"}
    for row, item in enumerate(shown):
        left = 0.0
        for score in (1, 2, 3, 4, 5):
            share = 100.0 * item.counts[score] / item.ratings
            axes.barh(row, share, left=left, color=colours[score], label=names[score] if row == 0 else None)
            left += share
    axes.set_yticks(range(len(shown)), [f"{f.window}, {f.rater} (n={f.basis.patients})" for f in shown], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of ratings (GAIS, standard form)")
    if shown:
        axes.legend(fontsize=7, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.35 if len(shown) < 3 else -0.12))
    else:
        axes.text(50, 0, "no window has enough patients for a figure", ha="center", va="center", fontsize=9)
    return _save(figure, fmt)
