"""Follow-up appointments: a follow-up window of the schedule (FU-01: 1 week, 1 month... after discharge,
[SISU][NEST19][WANIT21]) booked at a time, with a clinician and a room, on the clinic's calendar.

A booking is refused in the past, outside the clinic's hours, and where the clinician or the room is
already booked at an overlapping time. A booking is never deleted: a reschedule or a cancellation keeps
the booking with its reason (10 characters at least, as every correction's, ``clinic.corrections``), by
whom and when; a no-show is recorded only once the appointment has begun, and the appointment is
attended when its follow-up is recorded as done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from threadlift.clinic.corrections import CorrectionReason
from threadlift.clinic.errors import Conflict, InvalidInput, RecordLocked

MAX_DURATION_MINUTES = 240
MAX_DIARY_DAYS = 7  # the widest diary view: a week


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class ChangeKind(StrEnum):
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    ATTENDED = "attended"


Room = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
StaffId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]
DurationMinutes = Annotated[int, Field(ge=5, le=MAX_DURATION_MINUTES, description="minutes, 5 to 240")]


class Slot(BaseModel):
    """A time on the clinic's calendar (its wall clock, in its time zone), who sees the patient, and where."""

    model_config = ConfigDict(frozen=True)
    on: date = Field(description="the day, on the clinic's calendar")
    at: time = Field(description="the start, the clinic's wall-clock time (HH:MM)")
    duration_minutes: DurationMinutes = 30
    clinician_id: StaffId
    room: Room

    @field_validator("at")
    @classmethod
    def _wall_clock(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("give the time on the clinic's clock (HH:MM), without a UTC offset")
        return value


class Booking(Slot):
    """What reception sends to book a follow-up window of the episode's schedule."""

    follow_up: int = Field(ge=0, le=100, description="the follow-up's position in the episode's schedule, from 0")


class Rescheduling(Slot):
    reason: CorrectionReason


class Cancelling(BaseModel):
    model_config = ConfigDict(frozen=True)
    reason: CorrectionReason


class ClinicHours(BaseModel):
    """When appointments may be booked, each day, on the clinic's wall clock."""

    model_config = ConfigDict(frozen=True)
    opens: time
    closes: time


class AppointmentChange(BaseModel):
    """One entry of an appointment's history: what was done, by whom, when, why, and the booking after it."""

    model_config = ConfigDict(frozen=True)
    kind: ChangeKind
    at: datetime
    by: str
    reason: str | None = None
    starts_at: datetime
    duration_minutes: int
    clinician_id: str
    room: str


class Appointment(BaseModel):
    id: UUID = Field(default_factory=uuid4)
    patient_id: UUID
    episode_id: UUID
    follow_up: int
    follow_up_name: str
    starts_at: datetime
    duration_minutes: int
    clinician_id: str
    room: str
    status: AppointmentStatus = AppointmentStatus.BOOKED
    history: list[AppointmentChange] = Field(default_factory=list)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def booked_at(self) -> datetime:
        return self.history[0].at

    @property
    def booked_by(self) -> str:
        return self.history[0].by

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether this booking takes time between ``start`` and ``end`` (touching ends do not overlap)."""
        return self.status is AppointmentStatus.BOOKED and self.starts_at < end and start < self.ends_at

    def _note(self, kind: ChangeKind, at: datetime, by: str, reason: str | None = None) -> None:
        self.history.append(AppointmentChange(kind=kind, at=at, by=by, reason=reason, starts_at=self.starts_at,
                                              duration_minutes=self.duration_minutes, clinician_id=self.clinician_id,
                                              room=self.room))

    def _require_booked(self, action: str) -> None:
        if self.status is not AppointmentStatus.BOOKED:
            raise RecordLocked(f"this appointment is {self.status.value.replace('_', ' ')}: it cannot be {action}; "
                               "book a new one if the patient is still to be seen", rule="appointment")

    def reschedule(self, starts_at: datetime, slot: Slot, reason: str, at: datetime, by: str) -> None:
        self._require_booked("rescheduled")
        self.starts_at, self.duration_minutes = starts_at, slot.duration_minutes
        self.clinician_id, self.room = slot.clinician_id, slot.room
        self._note(ChangeKind.RESCHEDULED, at, by, reason)

    def cancel(self, reason: str, at: datetime, by: str) -> None:
        self._require_booked("cancelled")
        self.status = AppointmentStatus.CANCELLED
        self._note(ChangeKind.CANCELLED, at, by, reason)

    def no_show(self, at: datetime, by: str) -> None:
        """The patient did not come: recorded only once the appointment has begun."""
        self._require_booked("recorded as a no-show")
        if at < self.starts_at:
            raise InvalidInput(f"the appointment begins at {self.starts_at.isoformat(timespec='minutes')}: a no-show "
                               "is recorded once it has begun", rule="appointment")
        self.status = AppointmentStatus.NO_SHOW
        self._note(ChangeKind.NO_SHOW, at, by)

    def attended(self, at: datetime, by: str) -> None:
        """The follow-up it was booked for is recorded as done."""
        self._require_booked("marked attended")
        self.status = AppointmentStatus.ATTENDED
        self._note(ChangeKind.ATTENDED, at, by)


def book(patient_id: UUID, episode_id: UUID, follow_up_name: str, booking: Booking, starts_at: datetime,
         at: datetime, by: str) -> Appointment:
    """A new appointment, its booking the first entry of its history (checked by :func:`check_slot` first)."""
    appointment = Appointment(patient_id=patient_id, episode_id=episode_id, follow_up=booking.follow_up,
                              follow_up_name=follow_up_name, starts_at=starts_at,
                              duration_minutes=booking.duration_minutes, clinician_id=booking.clinician_id,
                              room=booking.room)
    appointment._note(ChangeKind.BOOKED, at, by)
    return appointment


def _day(moment: datetime) -> str:
    return moment.strftime("%d %b %Y")


def check_slot(starts_at: datetime, duration_minutes: int, *, now: datetime, hours: ClinicHours | None,
               timezone: Callable[[datetime], datetime], day: Callable[[datetime], str] = _day) -> None:
    """A new or moved booking starts after now and, given ``hours``, lies within them on one day.
    ``timezone`` turns an instant into the clinic's wall-clock time; ``day`` writes its day as the clinic does."""
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    local_start, local_end = timezone(starts_at), timezone(ends_at)
    if starts_at <= now:
        raise InvalidInput(f"{day(starts_at)} {local_start:%H:%M} has passed: book a time from now on",
                           rule="appointment")
    if hours is None:
        return
    if (local_start.time() < hours.opens or local_end.date() != local_start.date()
            or local_end.time() > hours.closes):
        raise InvalidInput(f"the clinic is open from {hours.opens.strftime('%H:%M')} to "
                           f"{hours.closes.strftime('%H:%M')}: {local_start.strftime('%H:%M')} to "
                           f"{local_end.strftime('%H:%M')} is outside its hours; choose a time within them",
                           rule="appointment")


def check_free(starts_at: datetime, duration_minutes: int, clinician_id: str, room: str,
               booked: Iterable[Appointment], *, name_of: Callable[[str], str],
               timezone: Callable[[datetime], datetime], day: Callable[[datetime], str] = _day,
               moving: UUID | None = None) -> None:
    """Refuse a time at which the clinician or the room is already booked (``moving``: the appointment being
    rescheduled, which does not clash with itself). The refusal names who or what is taken, and when."""
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    for other in booked:
        if other.id == moving or not other.overlaps(starts_at, ends_at):
            continue
        when = (f"from {timezone(other.starts_at).strftime('%H:%M')} to {timezone(other.ends_at).strftime('%H:%M')} "
                f"on {day(other.starts_at)}")
        if other.clinician_id == clinician_id:
            raise Conflict(f"{name_of(clinician_id)} is already booked {when}: choose another time or clinician",
                           rule="double_booking")
        if other.room == room:
            raise Conflict(f"{room} is already booked {when}: choose another time or room", rule="double_booking")
