"""Follow-up appointments: booking a window of the episode's schedule at a time with a clinician and a room,
moving or cancelling it with a reason, no-shows, and the diary of a day or a week.

Reception books and reads the diary (the patient's name, the time, the clinician, the room and which
follow-up it is), never the clinical record: nothing here returns clinical content. Every change is
audited with who and when; the appointment itself keeps its history (clinic/appointments.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from threadlift.clinic.appointments import (
    MAX_DIARY_DAYS,
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    ClinicHours,
    Slot,
    book,
    check_free,
    check_slot,
)
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.errors import Conflict, InvalidInput, NotFound
from threadlift.clinic.followup import FollowUpStatus
from threadlift.clinic.patient import Patient
from threadlift.clinic.roles import Permission, Role
from threadlift.clinic.staff import User
from threadlift.services.base import Services, record, require
from threadlift.services.commands import BookAppointment, CancelAppointment, RecordNoShow, RescheduleAppointment
from threadlift.services.ports import UnitOfWork

BOOKABLE = (State.DISCHARGED, State.FOLLOW_UP)  # the schedule exists from discharge (FU-01) until closing
MOST_DAYS_AHEAD = 800  # the 12-month follow-up (FU-01) and a while beyond; also bounds the diary's days


@dataclass(frozen=True)
class DiaryEntry:
    """An appointment as the diary shows it: no clinical content (reception reads these)."""

    id: UUID
    patient_id: UUID
    patient_name: str
    episode_id: UUID
    follow_up: int
    follow_up_name: str
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    clinician_id: str
    clinician_name: str
    room: str
    status: AppointmentStatus
    history: tuple[AppointmentChange, ...]


@dataclass(frozen=True)
class FollowUpWindow:
    """A follow-up of the schedule still to take place, with its booking if it has one."""

    position: int
    name: str
    kind: str
    due_on: date
    booked: DiaryEntry | None


@dataclass(frozen=True)
class Clinician:
    id: str
    name: str


@dataclass(frozen=True)
class EpisodeAppointments:
    """What the booking form needs: the windows still to book, the episode's appointments (every one, with
    its history), who may be booked, where, and when the clinic is open."""

    episode_id: UUID
    patient_id: UUID
    patient_name: str
    windows: tuple[FollowUpWindow, ...]
    appointments: tuple[DiaryEntry, ...]
    clinicians: tuple[Clinician, ...]
    rooms: tuple[str, ...]
    opens: str  # HH:MM on the clinic's clock
    closes: str


def _hours(svc: Services) -> ClinicHours:
    opens, closes = svc.settings.clinic_hours
    return ClinicHours(opens=opens, closes=closes)


def episode_appointments(uow: UnitOfWork, episode: Episode, patient: Patient) -> list[DiaryEntry]:
    """The episode's appointments, in the caller's unit of work (which records the reading)."""
    found = uow.appointments.for_episode(episode.id)
    names = _staff_names(uow) if found else {}
    return [_entry(a, patient.display_name, names) for a in found]


def follow_up_windows(episode: Episode, appointments: list[DiaryEntry]) -> tuple[FollowUpWindow, ...]:
    """The follow-ups still to take place, each with its booked appointment, if any."""
    if episode.state not in BOOKABLE:
        return ()
    booked = {a.follow_up: a for a in appointments if a.status is AppointmentStatus.BOOKED}
    return tuple(FollowUpWindow(i, f.name, f.kind, f.due_on, booked.get(i))
                 for i, f in enumerate(episode.follow_ups) if f.status is FollowUpStatus.SCHEDULED)


def _staff_names(uow: UnitOfWork) -> dict[str, str]:
    return {u.id: u.display_name for u in uow.users.all()}


def _entry(appointment: Appointment, patient_name: str, names: dict[str, str]) -> DiaryEntry:
    return DiaryEntry(appointment.id, appointment.patient_id, patient_name, appointment.episode_id,
                      appointment.follow_up, appointment.follow_up_name, appointment.starts_at, appointment.ends_at,
                      appointment.duration_minutes, appointment.clinician_id,
                      names.get(appointment.clinician_id, "a former member of staff"), appointment.room,
                      appointment.status, tuple(appointment.history))


def _starts_at(svc: Services, slot: Slot) -> datetime:
    today = svc.today()
    if slot.on < today:
        raise InvalidInput(f"{slot.on.isoformat()} has passed: book a day from today on", rule="appointment")
    if slot.on > today + timedelta(days=MOST_DAYS_AHEAD):
        raise InvalidInput(f"book at most {MOST_DAYS_AHEAD} days ahead", rule="appointment")
    try:
        return svc.moment(slot.on, slot.at)
    except ValueError as error:
        raise InvalidInput(str(error), rule="appointment") from None


def _check(uow: UnitOfWork, svc: Services, slot: Slot, starts_at: datetime, moving: UUID | None = None) -> None:
    """The rules of a new or moved booking: a clinician, one of the clinic's rooms, a time to come within the
    clinic's hours, and nobody else in that clinician's diary or that room meanwhile."""
    clinician = uow.users.get(slot.clinician_id)
    if clinician is None or not clinician.active or clinician.role is not Role.CLINICIAN:
        raise InvalidInput("choose one of the clinic's clinicians for the appointment", rule="appointment")
    if slot.room not in svc.settings.rooms:
        raise InvalidInput(f"there is no room '{slot.room}': choose one of " + ", ".join(svc.settings.rooms),
                           rule="appointment")
    check_slot(starts_at, slot.duration_minutes, now=svc.clock(), hours=_hours(svc), timezone=svc.wall_clock,
               day=svc.day_text)
    names = _staff_names(uow)
    busy = uow.appointments.between(starts_at, starts_at + timedelta(minutes=slot.duration_minutes),
                                    booked_only=True)
    check_free(starts_at, slot.duration_minutes, slot.clinician_id, slot.room, busy,
               name_of=lambda user_id: names.get(user_id, "that clinician"), timezone=svc.wall_clock,
               day=svc.day_text, moving=moving)


def book_appointment(svc: Services, actor: User, command: BookAppointment) -> DiaryEntry:
    """Book a follow-up window of the episode's schedule (FU-01) at a time, with a clinician and a room."""
    require(actor, Permission.APPOINTMENTS_BOOK)
    booking = command.booking
    starts_at = _starts_at(svc, booking)
    with svc.uow() as uow:
        uow.appointments.lock_diary()
        episode = uow.episodes.get(command.episode_id)
        if episode.patient_id != command.patient_id:
            raise NotFound(f"no episode {command.episode_id} of this patient")
        follow_up = _window(episode, booking.follow_up)
        already = [a for a in uow.appointments.for_episode(episode.id)
                   if a.follow_up == booking.follow_up and a.status is AppointmentStatus.BOOKED]
        if already:
            when = f"{svc.day_text(already[0].starts_at)} {svc.wall_clock(already[0].starts_at):%H:%M}"
            raise Conflict(f"'{follow_up}' is already booked for {when}: reschedule that appointment instead",
                           rule="double_booking")
        _check(uow, svc, booking, starts_at)
        appointment = book(episode.patient_id, episode.id, follow_up, booking, starts_at, svc.clock(), actor.id)
        uow.appointments.add(appointment)
        record(uow, svc, actor, "create", "appointment", appointment.id, episode=str(episode.id),
               follow_up=booking.follow_up)
        entry = _entry(appointment, uow.patients.get(episode.patient_id).display_name, _staff_names(uow))
        uow.commit()
    return entry


def _window(episode: Episode, position: int) -> str:
    """The name of the follow-up at ``position``, if it may be booked."""
    if episode.state not in BOOKABLE:
        raise InvalidInput(f"an episode in state '{episode.state.value.replace('_', ' ')}' has no follow-ups to "
                           "book: they are booked after discharge, until the episode is closed", rule="appointment")
    if not 0 <= position < len(episode.follow_ups):
        raise NotFound(f"this episode has no follow-up number {position + 1}")
    follow_up = episode.follow_ups[position]
    if follow_up.status is not FollowUpStatus.SCHEDULED:
        raise InvalidInput(f"'{follow_up.name}' is already recorded as {follow_up.status.value}: there is nothing "
                           "to book", rule="appointment")
    return follow_up.name


def _change(svc: Services, actor: User, appointment_id: UUID, action: str,
            change: Callable[[UnitOfWork, Appointment], None], **detail: object) -> DiaryEntry:
    require(actor, Permission.APPOINTMENTS_BOOK)
    with svc.uow() as uow:
        uow.appointments.lock_diary()
        appointment = uow.appointments.get(appointment_id)
        change(uow, appointment)
        uow.appointments.save(appointment)
        record(uow, svc, actor, action, "appointment", appointment.id, status=appointment.status.value, **detail)
        entry = _entry(appointment, uow.patients.get(appointment.patient_id).display_name, _staff_names(uow))
        uow.commit()
    return entry


def reschedule(svc: Services, actor: User, command: RescheduleAppointment) -> DiaryEntry:
    """Move a booked appointment (another time, clinician or room), with the reason; the history keeps where
    it was."""
    moved = command.rescheduling
    starts_at = _starts_at(svc, moved)

    def change(uow: UnitOfWork, appointment: Appointment) -> None:
        if appointment.status is AppointmentStatus.BOOKED:
            _window(uow.episodes.get(appointment.episode_id), appointment.follow_up)  # still to take place
            _check(uow, svc, moved, starts_at, moving=appointment.id)
        appointment.reschedule(starts_at, moved, moved.reason, svc.clock(), actor.id)

    return _change(svc, actor, command.appointment_id, "reschedule", change)


def cancel(svc: Services, actor: User, command: CancelAppointment) -> DiaryEntry:
    """Cancel a booked appointment with the reason; it stays in the diary's history, and its follow-up may be
    booked again."""
    return _change(svc, actor, command.appointment_id, "cancel",
                   lambda uow, a: a.cancel(command.cancelling.reason, svc.clock(), actor.id))


def record_no_show(svc: Services, actor: User, command: RecordNoShow) -> DiaryEntry:
    """The patient did not come (only once the appointment has begun)."""
    return _change(svc, actor, command.appointment_id, "no_show", lambda uow, a: a.no_show(svc.clock(), actor.id))


def follow_up_recorded(uow: UnitOfWork, svc: Services, actor: User, episode_id: UUID, position: int,
                       status: FollowUpStatus) -> None:
    """Inside the unit that records a follow-up: its booked appointment is attended (done), a no-show (missed,
    once it has begun), or cancelled when it is still to come (missed or cancelled beforehand)."""
    now = svc.clock()
    for appointment in uow.appointments.for_episode(episode_id):
        if appointment.follow_up != position or appointment.status is not AppointmentStatus.BOOKED:
            continue
        if status is FollowUpStatus.DONE:
            appointment.attended(now, actor.id)
        elif status is FollowUpStatus.MISSED and now >= appointment.starts_at:
            appointment.no_show(now, actor.id)
        elif now < appointment.starts_at:
            appointment.cancel(f"the follow-up was recorded as {status.value}", now, actor.id)
        else:
            continue
        uow.appointments.save(appointment)
        record(uow, svc, actor, appointment.status.value, "appointment", appointment.id)


def episode_closed(uow: UnitOfWork, svc: Services, actor: User, episode_id: UUID) -> None:
    """Inside the unit that closes an episode: its appointments still to come are cancelled (kept, with the
    reason), so the diary and the reminders no longer count on them."""
    now = svc.clock()
    for appointment in uow.appointments.for_episode(episode_id):
        if appointment.status is AppointmentStatus.BOOKED and appointment.starts_at > now:
            appointment.cancel("the episode was closed", now, actor.id)
            uow.appointments.save(appointment)
            record(uow, svc, actor, "cancel", "appointment", appointment.id, status=appointment.status.value)


def diary(svc: Services, actor: User, first_day: date, days: int = 1) -> list[DiaryEntry]:
    """The appointments of ``days`` days of the clinic's calendar from ``first_day`` (cancelled ones too)."""
    require(actor, Permission.DIARY_READ)
    if not 1 <= days <= MAX_DIARY_DAYS:
        raise InvalidInput(f"the diary shows 1 to {MAX_DIARY_DAYS} days at a time", rule="appointment")
    if abs((first_day - svc.today()).days) > 10 * 366:
        raise InvalidInput("the diary shows days within ten years of today", rule="appointment")
    with svc.uow(logs_reads=True) as uow:
        entries = diary_of(uow, svc, first_day, days)
        record(uow, svc, actor, "read", "diary", None, day=first_day.isoformat(), days=days, rows=len(entries))
        uow.commit()
    return entries


def diary_of(uow: UnitOfWork, svc: Services, first_day: date, days: int) -> list[DiaryEntry]:
    """Inside a use case's unit of work (which records the reading): the diary of ``days`` days."""
    found = uow.appointments.between(svc.start_of(first_day), svc.start_of(first_day + timedelta(days=days)))
    patients = uow.patients.display_names({a.patient_id for a in found})
    names = _staff_names(uow) if found else {}
    return [_entry(a, patients[a.patient_id], names) for a in found]


def of_episode(svc: Services, actor: User, episode_id: UUID) -> EpisodeAppointments:
    """The episode's follow-ups still to take place, its appointments, and the choices of the booking form."""
    require(actor, Permission.DIARY_READ)
    with svc.uow(logs_reads=True) as uow:
        episode = uow.episodes.get(episode_id)
        patient = uow.patients.get(episode.patient_id)
        appointments = episode_appointments(uow, episode, patient)
        clinicians = tuple(Clinician(u.id, u.display_name) for u in uow.users.all()
                           if u.active and u.role is Role.CLINICIAN)
        record(uow, svc, actor, "read_status", "episode", episode_id, part="appointments")
        uow.commit()
    windows = follow_up_windows(episode, appointments)
    opens, closes = (t.strftime("%H:%M") for t in svc.settings.clinic_hours)
    return EpisodeAppointments(episode.id, patient.id, patient.display_name, windows, tuple(appointments),
                               clinicians, svc.settings.rooms, opens, closes)
