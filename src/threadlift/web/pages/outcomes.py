"""The outcomes page (issue 18): durability curves, complication rates and GAIS, the plots drawn on the
server beside their numbers."""

from __future__ import annotations

import base64
from typing import Literal

from fastapi import Query
from fastapi.responses import Response

from threadlift.services import outcome_stats
from threadlift.web.downloads import attachment
from threadlift.web.pages.common import PageDep
from threadlift.web.pages.routing import page_router

router = page_router()


def _svg(data: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode()


@router.get("/outcomes")
def outcomes_page(page: PageDep) -> Response:
    found = outcome_stats.outcomes(page.services, page.user)
    report = found.report
    plots = {area: _svg(outcome_stats.draw(found, "durability", "svg", area)) for area in report.areas
             if any(f.survival is not None for f in report.durability if f.area == area)}
    effect = _svg(outcome_stats.draw(found, "effect", "svg")) if report.reported_effect.survival else None
    gais = _svg(outcome_stats.draw(found, "gais", "svg")) if any(g.counts for g in report.gais) else None
    return page.render("outcomes.html", found=found, report=report, plots=plots, effect_plot=effect, gais_plot=gais)


@router.get("/outcomes/plots/{which}.{fmt}")
def plot(page: PageDep, which: Literal["durability", "effect", "gais"], fmt: Literal["png", "svg"],
         area: str = Query("", max_length=40)) -> Response:
    data = outcome_stats.plot(page.services, page.user, which, fmt, area or None)
    return Response(data, media_type="image/png" if fmt == "png" else "image/svg+xml",
                    headers={"Cache-Control": "no-store"})


@router.get("/outcomes/report.pdf")
def report_pdf(page: PageDep) -> Response:
    return attachment(outcome_stats.report_pdf(page.services, page.user), "application/pdf", "outcomes.pdf")
