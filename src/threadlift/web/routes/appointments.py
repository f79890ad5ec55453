"""Follow-up appointments through the JSON API: book, move, cancel, no-show, and the diary (no clinical content)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from threadlift.services import appointments
from threadlift.services.appointments import DiaryEntry, EpisodeAppointments
from threadlift.services.commands import BookAppointment, CancelAppointment, RecordNoShow, RescheduleAppointment
from threadlift.services.types import Booking, Cancelling, Rescheduling
from threadlift.web.deps import CurrentUser, ServicesDep

router = APIRouter(prefix="/api", tags=["appointments"])


class BookingRequest(Booking):
    """A follow-up window booked: the episode's patient (checked against the episode), the follow-up's
    position in the schedule, the day and start on the clinic's clock, minutes, clinician and room."""

    patient_id: UUID


@router.post("/episodes/{episode_id}/appointments", status_code=201)
def book(episode_id: UUID, body: BookingRequest, services: ServicesDep, user: CurrentUser) -> DiaryEntry:
    booking = Booking.model_validate(body.model_dump(exclude={"patient_id"}))
    return appointments.book_appointment(services, user, BookAppointment(episode_id=episode_id,
                                                                         patient_id=body.patient_id, booking=booking))


@router.get("/episodes/{episode_id}/appointments")
def of_episode(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> EpisodeAppointments:
    """The follow-ups still to take place (each with its booking, if any), every appointment of the episode
    with its history, and the clinicians, rooms and hours a booking may use."""
    return appointments.of_episode(services, user, episode_id)


@router.post("/appointments/{appointment_id}/reschedule")
def reschedule(appointment_id: UUID, body: Rescheduling, services: ServicesDep, user: CurrentUser) -> DiaryEntry:
    return appointments.reschedule(services, user, RescheduleAppointment(appointment_id=appointment_id,
                                                                         rescheduling=body))


@router.post("/appointments/{appointment_id}/cancel")
def cancel(appointment_id: UUID, body: Cancelling, services: ServicesDep, user: CurrentUser) -> DiaryEntry:
    return appointments.cancel(services, user, CancelAppointment(appointment_id=appointment_id, cancelling=body))


@router.post("/appointments/{appointment_id}/no-show")
def no_show(appointment_id: UUID, services: ServicesDep, user: CurrentUser) -> DiaryEntry:
    """The patient did not come: recorded once the appointment has begun."""
    return appointments.record_no_show(services, user, RecordNoShow(appointment_id=appointment_id))


@router.get("/diary")
def diary(services: ServicesDep, user: CurrentUser, start: date,
          days: Annotated[int, Query(ge=1, le=7)] = 1) -> list[DiaryEntry]:
    """The appointments of ``days`` days (1 to 7) from ``start`` on the clinic's calendar, cancelled ones too."""
    return appointments.diary(services, user, start, days)
