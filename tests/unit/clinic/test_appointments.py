"""Follow-up appointments, the domain's rules (clinic/appointments.py): overlap, the past, the clinic's hours,
reasons of 10 characters, no-shows only once begun, a history that keeps every change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from threadlift.clinic.appointments import (
    AppointmentStatus,
    Booking,
    Cancelling,
    ChangeKind,
    ClinicHours,
    Rescheduling,
    book,
    check_free,
    check_slot,
)
from threadlift.clinic.dates import clinic_moment
from threadlift.clinic.errors import Conflict, InvalidInput, RecordLocked

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TEN = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
HOURS = ClinicHours(opens=time(8), closes=time(20))


def local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def booked(starts_at: datetime = TEN, minutes: int = 30, clinician: str = "dr-hale", room: str = "Room 1"):  # type: ignore[no-untyped-def]
    booking = Booking(follow_up=1, on=starts_at.date(), at=starts_at.time(), duration_minutes=minutes,
                      clinician_id=clinician, room=room)
    return book(uuid4(), uuid4(), "1 week", booking, starts_at, NOW, "reception-kim")


def free(starts_at: datetime, minutes: int, clinician: str, room: str, others: list, moving=None) -> None:  # type: ignore[no-untyped-def,type-arg]
    check_free(starts_at, minutes, clinician, room, others, name_of=lambda user: f"Dr {user}", timezone=local,
               moving=moving)


def test_the_same_clinician_at_an_overlapping_time_is_refused_naming_who_and_when():
    taken = [booked()]
    with pytest.raises(Conflict, match=r"Dr dr-hale is already booked from 10:00 to 10:30 on 03 Nov 2026"):
        free(TEN + timedelta(minutes=15), 30, "dr-hale", "Room 2", taken)


def test_the_same_room_at_an_overlapping_time_is_refused():
    with pytest.raises(Conflict, match="Room 1 is already booked"):
        free(TEN - timedelta(minutes=20), 30, "dr-osei", "Room 1", [booked()])


def test_back_to_back_another_clinician_or_room_and_cancelled_bookings_do_not_clash():
    other = booked()
    free(TEN + timedelta(minutes=30), 30, "dr-hale", "Room 1", [other])  # starts as the other ends
    free(TEN - timedelta(minutes=30), 30, "dr-hale", "Room 1", [other])  # ends as the other starts
    free(TEN, 30, "dr-osei", "Room 2", [other])
    other.cancel("the patient moved away", NOW, "reception-kim")
    free(TEN, 30, "dr-hale", "Room 1", [other])


def test_a_moved_appointment_does_not_clash_with_itself():
    own = booked()
    free(TEN + timedelta(minutes=10), 30, "dr-hale", "Room 1", [own], moving=own.id)


def test_a_time_that_has_passed_is_refused():
    with pytest.raises(InvalidInput, match="has passed"):
        check_slot(NOW, 30, now=NOW, hours=None, timezone=local)
    check_slot(NOW + timedelta(minutes=1), 30, now=NOW, hours=None, timezone=local)


def test_times_outside_the_clinics_hours_are_refused_on_its_own_clock():
    check_slot(datetime(2026, 11, 3, 8, 0, tzinfo=UTC), 30, now=NOW, hours=HOURS, timezone=local)  # GMT: 08:00
    with pytest.raises(InvalidInput, match="open from 08:00 to 20:00"):
        check_slot(datetime(2026, 11, 3, 7, 45, tzinfo=UTC), 30, now=NOW, hours=HOURS, timezone=local)
    with pytest.raises(InvalidInput, match="19:45 to 20:15 is outside"):
        check_slot(datetime(2026, 11, 3, 19, 45, tzinfo=UTC), 30, now=NOW, hours=HOURS, timezone=local)
    summer = datetime(2027, 6, 1, 7, 15, tzinfo=UTC)  # 08:15 in London (BST)
    check_slot(summer, 30, now=NOW, hours=HOURS, timezone=local)


def test_reasons_to_move_or_cancel_need_ten_characters():
    slot = {"on": date(2026, 11, 3), "at": time(10), "clinician_id": "dr-hale", "room": "Room 1"}
    for short in ("ok", "  too short  ", ""):
        with pytest.raises(ValidationError):
            Cancelling(reason=short)
        with pytest.raises(ValidationError):
            Rescheduling(**slot, reason=short)
    assert Cancelling(reason="  the patient is abroad  ").reason == "the patient is abroad"


def test_durations_and_positions_are_bounded():
    slot = {"on": date(2026, 11, 3), "at": time(10), "clinician_id": "dr-hale", "room": "Room 1"}
    for bad in ({"duration_minutes": 0}, {"duration_minutes": 241}, {"follow_up": -1}, {"follow_up": 101},
                {"room": ""}, {"room": "x" * 41}):
        with pytest.raises(ValidationError):
            Booking.model_validate({"follow_up": 1, **slot, **bad})


def test_a_no_show_is_recorded_only_once_the_appointment_has_begun():
    appointment = booked()
    with pytest.raises(InvalidInput, match="once it has begun"):
        appointment.no_show(TEN - timedelta(minutes=1), "reception-kim")
    appointment.no_show(TEN, "reception-kim")
    assert appointment.status is AppointmentStatus.NO_SHOW
    with pytest.raises(RecordLocked):
        appointment.cancel("cancelled after the fact", TEN, "reception-kim")


def test_every_change_is_kept_in_the_history_with_who_when_and_why():
    appointment = booked()
    later = TEN + timedelta(days=1)
    moved = Rescheduling(on=later.date(), at=later.time(), duration_minutes=45, clinician_id="dr-osei",
                         room="Room 2", reason="the patient asked for Wednesday")
    appointment.reschedule(later, moved, moved.reason, NOW + timedelta(hours=1), "reception-kim")
    appointment.cancel("the patient moved away", NOW + timedelta(hours=2), "nurse-ade")
    kinds = [(h.kind, h.by, h.reason, h.starts_at, h.clinician_id) for h in appointment.history]
    assert kinds == [(ChangeKind.BOOKED, "reception-kim", None, TEN, "dr-hale"),
                     (ChangeKind.RESCHEDULED, "reception-kim", "the patient asked for Wednesday", later, "dr-osei"),
                     (ChangeKind.CANCELLED, "nurse-ade", "the patient moved away", later, "dr-osei")]
    assert appointment.ends_at == later + timedelta(minutes=45)


def test_a_wall_clock_time_the_clocks_skip_is_refused():
    with pytest.raises(ValueError, match="does not exist"):
        clinic_moment(date(2027, 3, 28), time(2, 30), "Europe/Paris")  # 02:00 -> 03:00
    assert clinic_moment(date(2026, 12, 2), time(23, 30), "America/Los_Angeles") == \
        datetime(2026, 12, 3, 7, 30, tzinfo=UTC)
