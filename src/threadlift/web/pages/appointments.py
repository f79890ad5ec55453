"""Follow-up appointments in the pages: the diary of a day or a week (reception and the clinical team), and
booking, moving, cancelling and no-shows from the episode. The diary shows no clinical content."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.services import appointments
from threadlift.services.commands import BookAppointment, CancelAppointment, RecordNoShow, RescheduleAppointment
from threadlift.services.types import Booking, Cancelling, DomainError, NotFound, Rescheduling
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors, filled, form_values
from threadlift.web.pages.routing import page_router

router = page_router()
SLOT_FIELDS = ("on", "at", "duration_minutes", "clinician_id", "room")


def _day(text: str | None, page: PageDep) -> date:
    if not text:
        return page.services.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise NotFound("there is no such day; give it as YYYY-MM-DD") from None


@router.get("/diary")
def day_view(page: PageDep, on: str | None = None) -> Response:
    day = _day(on, page)
    entries = appointments.diary(page.services, page.user, day, 1)
    return page.render("diary.html", view="day", first=day, days=[day], entries=entries,
                       earlier=day - timedelta(days=1), later=day + timedelta(days=1))


@router.get("/diary/week")
def week_view(page: PageDep, on: str | None = None) -> Response:
    day = _day(on, page)
    monday = day - timedelta(days=day.weekday())
    entries = appointments.diary(page.services, page.user, monday, 7)
    days = [monday + timedelta(days=n) for n in range(7)]
    return page.render("diary.html", view="week", first=monday, days=days, entries=entries,
                       earlier=monday - timedelta(days=7), later=monday + timedelta(days=7))


def _page(page: PageDep, episode_id: UUID, status: int = 200, **extra: Any) -> Response:
    found = appointments.of_episode(page.services, page.user, episode_id)
    first = found.windows[0] if found.windows else None
    suggested = max(first.due_on, page.services.today() + timedelta(days=1)) if first else None
    values = extra.pop("values", {"follow_up": str(first.position) if first else "",
                                  "on": suggested.isoformat() if suggested else "",
                                  "at": found.opens, "duration_minutes": "30"})
    return page.render("appointments.html", status, found=found, values=values, errors=extra.pop("errors", {}),
                       **extra)


@router.get("/episodes/{episode_id}/appointments")
def episode_appointments(episode_id: UUID, page: PageDep) -> Response:
    return _page(page, episode_id)


@router.post("/episodes/{episode_id}/appointments")
def book(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    try:
        booking = Booking.model_validate(filled(values, ("follow_up", *SLOT_FIELDS)))
        patient_id = UUID(values.get("patient_id", ""))
    except ValidationError as error:
        return _page(page, episode_id, 422, errors=field_errors(error), values=values)
    except ValueError:
        raise NotFound("no such patient for this episode") from None
    try:
        appointments.book_appointment(page.services, page.user, BookAppointment(
            episode_id=episode_id, patient_id=patient_id, booking=booking))
    except DomainError as error:
        if isinstance(error, NotFound):
            raise
        return _page(page, episode_id, 409, errors={"form": domain_message(error)}, values=values)
    return page.redirect(f"/episodes/{episode_id}/appointments")


def _changed(page: PageDep, appointment_id: UUID, values: dict[str, str], run: Any) -> Response:
    """Run a change of an appointment; back to its episode's appointments, with the refusal if there is one."""
    episode_id = UUID(values["episode_id"]) if _is_uuid(values.get("episode_id")) else None
    try:
        entry = run()
    except ValidationError as error:
        if episode_id is None:
            raise
        return _page(page, episode_id, 422, change_errors={str(appointment_id): "; ".join(
            field_errors(error).values())})
    except DomainError as error:
        if episode_id is None or isinstance(error, NotFound):
            raise
        return _page(page, episode_id, 409, change_errors={str(appointment_id): domain_message(error)})
    return page.redirect(f"/episodes/{entry.episode_id}/appointments")


def _is_uuid(text: str | None) -> bool:
    try:
        UUID(text or "")
    except ValueError:
        return False
    return True


@router.post("/appointments/{appointment_id}/reschedule")
def reschedule(appointment_id: UUID, page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    return _changed(page, appointment_id, values, lambda: appointments.reschedule(
        page.services, page.user, RescheduleAppointment(appointment_id=appointment_id, rescheduling=(
            Rescheduling.model_validate(filled(values, (*SLOT_FIELDS, "reason")))))))


@router.post("/appointments/{appointment_id}/cancel")
def cancel(appointment_id: UUID, page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    return _changed(page, appointment_id, values, lambda: appointments.cancel(
        page.services, page.user, CancelAppointment(appointment_id=appointment_id, cancelling=(
            Cancelling.model_validate(filled(values, ("reason",)))))))


@router.post("/appointments/{appointment_id}/no-show")
def no_show(appointment_id: UUID, page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    return _changed(page, appointment_id, values, lambda: appointments.record_no_show(
        page.services, page.user, RecordNoShow(appointment_id=appointment_id)))
