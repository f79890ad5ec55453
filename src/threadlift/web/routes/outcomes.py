"""The clinic's outcome statistics through the API (issue 18): the figures as JSON, the plots, the report."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from threadlift.services import outcome_stats
from threadlift.web.deps import CurrentUser, ServicesDep
from threadlift.web.downloads import attachment

router = APIRouter(prefix="/api", tags=["outcomes"])
MEDIA = {"png": "image/png", "svg": "image/svg+xml"}


def as_json(found: outcome_stats.Outcomes) -> dict[str, Any]:
    report = found.report
    return {"made_at": found.made_at.isoformat(), "procedures": report.procedures, "patients": report.patients,
            "settings": dataclasses.asdict(report.settings),
            "durability": [dataclasses.asdict(f) for f in report.durability],
            "reported_effect": dataclasses.asdict(report.reported_effect),
            "complication_rates": [dataclasses.asdict(r) for r in report.rates],
            "clavien_dindo": dataclasses.asdict(report.grades),
            "gais": [dataclasses.asdict(g) for g in report.gais]}


@router.get("/outcomes")
def outcomes(services: ServicesDep, user: CurrentUser) -> JSONResponse:
    """Durability (Kaplan-Meier, days), complication rates per 100 procedures with exact 95% intervals,
    Clavien-Dindo counts and GAIS per follow-up; each figure with the patients it rests on, withheld (with
    the reason) under the clinic's minimum. Clinician or admin; audited."""
    return JSONResponse(as_json(outcome_stats.outcomes(services, user)), headers={"Cache-Control": "no-store"})


@router.get("/outcomes/plots/{which}.{fmt}", response_class=Response,
            responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}}})
def plot(which: Literal["durability", "effect", "gais"], fmt: Literal["png", "svg"], services: ServicesDep,
         user: CurrentUser, area: str = Query("", max_length=40)) -> Response:
    data = outcome_stats.plot(services, user, which, fmt, area or None)
    return Response(data, media_type=MEDIA[fmt], headers={"Cache-Control": "no-store"})


@router.get("/outcomes/report.pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def report(services: ServicesDep, user: CurrentUser) -> Response:
    return attachment(outcome_stats.report_pdf(services, user), "application/pdf", "outcomes.pdf")
