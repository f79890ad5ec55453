"""Registers: complications with rates per 100 procedures, lot recall, thread stock."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.services import planning, registers, stock
from threadlift.services.commands import ReceiveLot
from threadlift.services.types import (
    Conflict,
    Design,
    EventType,
    ExpiredLot,
    Material,
    NotFound,
    RegisterFilter,
    ThreadLotEntry,
)
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors, filled, form_values
from threadlift.web.pages.routing import page_router

router = page_router()
Filter = Annotated[str, Query(max_length=120)]


@router.get("/registers/complications")
def complications(page: PageDep, type: Filter = "", product: Filter = "", lot: Filter = "",
                  area: Filter = "") -> Response:
    """Filters are in the address: event types, products, lots and areas, never a patient's identity."""
    scope = RegisterFilter(event_type=type or None, product=product or None, lot=lot.strip() or None,
                           area=area or None)
    return page.render("complications.html", register=registers.complications(page.services, page.user, scope),
                       types=[t.value for t in EventType], products=stock.products(page.services, page.user),
                       areas=planning.choices().areas,
                       filters={"type": type, "product": product, "lot": lot, "area": area})


@router.get("/registers/recall")
def recall_form(page: PageDep) -> Response:
    page.require("register:read")
    return page.render("recall.html", lot="", recipients=None)


@router.post("/registers/recall")
def recall(page: PageDep, form: FormDep) -> Response:
    lot = str(form.get("lot", "")).strip()[:60]
    page.require("register:read")
    if not lot:
        return page.render("recall.html", 422, lot="", recipients=None, error="Enter the lot number to recall.")
    try:
        recipients = stock.recall(page.services, page.user, lot)
    except NotFound as error:
        return page.render("recall.html", 404, lot=lot, recipients=None, error=domain_message(error))
    return page.render("recall.html", lot=lot, recipients=recipients)


def _stock(page: PageDep, status: int = 200, **extra: Any) -> Response:
    today = page.services.today()
    return page.render("stock.html", status, stock=stock.lots(page.services, page.user), today=today,
                       warning_days=page.services.policy.lot_expiry_warning_days,
                       materials=[m.value for m in Material], designs=[d.value for d in Design],
                       gauges=planning.choices().gauges, errors=extra.pop("errors", {}),
                       values=extra.pop("values", {"received_on": today.isoformat()}), **extra)


@router.get("/stock")
def stock_page(page: PageDep) -> Response:
    return _stock(page)


@router.post("/stock")
def receive(page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    try:
        entry = ThreadLotEntry.model_validate(filled(values, tuple(ThreadLotEntry.model_fields)))
    except ValidationError as error:
        return _stock(page, 422, errors=field_errors(error), values=values)
    try:
        stock.receive_lot(page.services, page.user, ReceiveLot(lot=entry))
    except ExpiredLot as error:
        return _stock(page, 409, errors={"expiry": domain_message(error)}, values=values)
    except Conflict as error:  # the same lot twice: the form again, with what was typed
        return _stock(page, 409, errors={"lot": domain_message(error)}, values=values)
    return page.redirect("/stock")
