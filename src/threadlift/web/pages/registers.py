"""Registers: complications with rates per 100 procedures, lot recall, thread stock."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.clinic.adverse import EventType
from threadlift.clinic.catalogue import catalogue
from threadlift.clinic.threads import Design, Material
from threadlift.services import records
from threadlift.web.pages.common import PageDep, field_errors, form_values
from threadlift.web.pages.routing import page_router

router = page_router()
LOT_FIELDS = ("product", "manufacturer", "material", "design", "gauge", "length_mm", "cones", "lot", "expiry",
              "quantity_received", "received_on")


@router.get("/registers/complications")
def complications(page: PageDep, type: str = "", product: str = "", lot: str = "", area: str = "") -> Response:
    """Filters are in the address: event types, products, lots and areas, never a patient's identity."""
    register = records.complications_register(page.services, page.user, event_type=type or None,
                                              product=product or None, lot=lot.strip() or None, area=area or None)
    return page.render("complications.html", register=register, types=[t.value for t in EventType],
                       products=records.products(page.services, page.user), areas=list(catalogue().areas),
                       filters={"type": type, "product": product, "lot": lot, "area": area})


@router.get("/registers/recall")
def recall_form(page: PageDep) -> Response:
    page.require("register:read")
    return page.render("recall.html", lot="", recipients=None)


@router.post("/registers/recall")
async def recall(page: PageDep) -> Response:
    form = await page.request.form()
    lot = str(form.get("lot", "")).strip()
    page.require("register:read")
    if not lot:
        return page.render("recall.html", 422, lot="", recipients=None, error="Enter the lot number to recall.")
    return page.render("recall.html", lot=lot, recipients=records.recall(page.services, page.user, lot))


def _stock(page: PageDep, status: int = 200, **extra: Any) -> Response:
    today = page.services.clock().date()
    stock = sorted(records.lots(page.services, page.user), key=lambda s: s.lot.expiry)
    return page.render("stock.html", status, stock=stock, today=today,
                       warning_days=page.services.policy.lot_expiry_warning_days,
                       materials=[m.value for m in Material], designs=[d.value for d in Design],
                       gauges=catalogue().gauges.values, errors=extra.pop("errors", {}),
                       values=extra.pop("values", {"received_on": today.isoformat()}), **extra)


@router.get("/stock")
def stock(page: PageDep) -> Response:
    return _stock(page)


@router.post("/stock")
async def receive(page: PageDep) -> Response:
    values = form_values(await page.request.form())
    fields = {name: values.get(name) or None for name in LOT_FIELDS}
    try:
        records.receive_lot(page.services, page.user, fields)
    except ValidationError as error:
        return _stock(page, 422, errors=field_errors(error), values=values)
    return page.redirect("/stock")
