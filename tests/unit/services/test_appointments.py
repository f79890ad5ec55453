"""Follow-up appointments, the use cases on the fakes: the clinic's calendar west of UTC late in the evening,
the episode's windows, attended when the follow-up is recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from tests.fakes import fake_services
from tests.helpers.exports import episode as built_episode
from tests.helpers.records import Clock
from threadlift.clinic.appointments import AppointmentStatus, Booking, Rescheduling
from threadlift.clinic.episode import Closure, State
from threadlift.clinic.errors import Conflict, InvalidInput, NotFound, RecordLocked
from threadlift.clinic.followup import FollowUpOutcome, FollowUpStatus
from threadlift.clinic.roles import Role
from threadlift.services import aftercare, appointments, episodes
from threadlift.services.base import Services
from threadlift.services.commands import BookAppointment, CloseEpisode, CompleteFollowUp, RescheduleAppointment


def clinic(now: datetime, stage: State = State.DISCHARGED, **settings: object) -> tuple[Services, dict[str, object]]:
    svc, _ = fake_services(Clock(now), **settings)
    ep, lots, person = built_episode(stage)
    with svc.uow() as uow:
        staff = {name: uow.users.create(name, name.title(), role, "x" * 12, now)
                 for name, role in (("dr-hale", Role.CLINICIAN), ("nurse-ade", Role.NURSE),
                                    ("reception-kim", Role.RECEPTION))}
        uow.patients.add(person)
        for lot in lots:
            uow.lots.add(lot)
        uow.episodes.add(ep)
        uow.commit()
    return svc, {"episode": ep, "patient": person, **staff}


def booking(people: dict[str, object], on: date, at: time, follow_up: int = 1) -> Booking:
    return Booking(follow_up=follow_up, on=on, at=at, duration_minutes=15, clinician_id=people["dr-hale"].id,
                   room="Room 1")  # type: ignore[attr-defined]


def book(svc: Services, people: dict[str, object], on: date, at: time, follow_up: int = 1):  # type: ignore[no-untyped-def]
    ep = people["episode"]
    return appointments.book_appointment(svc, people["reception-kim"], BookAppointment(  # type: ignore[arg-type]
        episode_id=ep.id, patient_id=ep.patient_id, booking=booking(people, on, at, follow_up)))  # type: ignore[attr-defined]


def test_west_of_utc_at_2330_the_clinics_today_is_still_the_evenings_day():
    # 07:30 UTC on 3 December is 23:30 on 2 December in Los Angeles: 23:40 there is still to come that day.
    svc, people = clinic(datetime(2026, 12, 3, 7, 30, tzinfo=UTC), timezone="America/Los_Angeles",
                         clinic_hours=(time(0, 0), time(23, 59)))
    late = book(svc, people, date(2026, 12, 2), time(23, 40))
    assert late.starts_at == datetime(2026, 12, 3, 7, 40, tzinfo=UTC)
    reception = people["reception-kim"]
    assert [e.id for e in appointments.diary(svc, reception, date(2026, 12, 2))] == [late.id]  # type: ignore[arg-type]
    assert appointments.diary(svc, reception, date(2026, 12, 3)) == []  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="has passed"):
        book(svc, people, date(2026, 12, 2), time(23, 15), follow_up=2)


def test_the_windows_to_book_are_the_follow_ups_still_scheduled_with_their_bookings():
    svc, people = clinic(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    first = book(svc, people, date(2026, 11, 3), time(10, 0), follow_up=0)
    found = appointments.of_episode(svc, people["reception-kim"], people["episode"].id)  # type: ignore[arg-type,attr-defined]
    assert [w.position for w in found.windows] == list(range(len(people["episode"].follow_ups)))  # type: ignore[attr-defined]
    assert found.windows[0].booked is not None and found.windows[0].booked.id == first.id
    assert [c.name for c in found.clinicians] == ["Dr-Hale"] and found.rooms == ("Room 1", "Room 2")
    with pytest.raises(NotFound):
        book(svc, people, date(2026, 11, 3), time(11, 0), follow_up=99)


def test_recording_the_follow_up_as_done_marks_its_appointment_attended():
    svc, people = clinic(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    entry = book(svc, people, date(2026, 11, 2), time(10, 0), follow_up=0)
    svc.clock.advance(hours=1, minutes=10)  # type: ignore[attr-defined]
    aftercare.complete_follow_up(svc, people["nurse-ade"], CompleteFollowUp(  # type: ignore[arg-type]
        episode_id=people["episode"].id, index=0, outcome=FollowUpOutcome(status=FollowUpStatus.DONE)))  # type: ignore[attr-defined]
    with svc.uow(read_only=True) as uow:
        attended = uow.appointments.get(entry.id)
    assert attended.status is AppointmentStatus.ATTENDED
    assert attended.history[-1].by == people["nurse-ade"].id  # type: ignore[attr-defined]


def test_closing_the_episode_cancels_its_appointments_still_to_come():
    svc, people = clinic(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), State.FOLLOW_UP)
    entry = book(svc, people, date(2026, 11, 9), time(10, 0), follow_up=3)
    episodes.close(svc, people["dr-hale"], CloseEpisode(episode_id=people["episode"].id,  # type: ignore[arg-type,attr-defined]
                                                        closure=Closure(reason="the patient moved abroad")))
    with svc.uow(read_only=True) as uow:
        kept = uow.appointments.get(entry.id)
    assert kept.status is AppointmentStatus.CANCELLED and kept.history[-1].reason == "the episode was closed"


def test_a_refusal_writes_the_day_as_the_clinic_does():
    svc, people = clinic(datetime(2026, 11, 2, 9, 0, tzinfo=UTC), date_format="YYYY-MM-DD")
    book(svc, people, date(2026, 11, 3), time(10, 0), follow_up=1)
    with pytest.raises(Conflict, match="from 10:00 to 10:15 on 2026-11-03"):
        book(svc, people, date(2026, 11, 3), time(10, 5), follow_up=2)


def test_a_follow_up_cancelled_beforehand_cancels_its_appointment_which_can_then_not_be_moved():
    svc, people = clinic(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    entry = book(svc, people, date(2026, 11, 4), time(10, 0), follow_up=2)
    aftercare.complete_follow_up(svc, people["nurse-ade"], CompleteFollowUp(  # type: ignore[arg-type]
        episode_id=people["episode"].id, index=2, outcome=FollowUpOutcome(status=FollowUpStatus.CANCELLED)))  # type: ignore[attr-defined]
    with svc.uow(read_only=True) as uow:
        kept = uow.appointments.get(entry.id)
    assert kept.status is AppointmentStatus.CANCELLED
    assert kept.history[-1].reason == "the follow-up was recorded as cancelled"
    other = book(svc, people, date(2026, 11, 4), time(11, 0), follow_up=3)
    aftercare.complete_follow_up(svc, people["nurse-ade"], CompleteFollowUp(  # type: ignore[arg-type]
        episode_id=people["episode"].id, index=3, outcome=FollowUpOutcome(status=FollowUpStatus.DONE)))  # type: ignore[attr-defined]
    moved = Rescheduling(on=date(2026, 11, 5), at=time(10, 0), clinician_id=people["dr-hale"].id,  # type: ignore[attr-defined]
                         room="Room 1", reason="the patient asked for Thursday")
    with pytest.raises(RecordLocked, match="attended"):
        appointments.reschedule(svc, people["reception-kim"], RescheduleAppointment(  # type: ignore[arg-type]
            appointment_id=other.id, rescheduling=moved))


def test_rooms_and_hours_come_from_the_settings_with_clear_refusals():
    from threadlift.config import ConfigurationError, Settings

    chosen = Settings.from_env({"THREADLIFT_ROOMS": "Blue room, Green room,Blue room",
                                "THREADLIFT_CLINIC_HOURS": "09:00-17:30"})
    assert chosen.rooms == ("Blue room", "Green room") and chosen.clinic_hours == (time(9), time(17, 30))
    assert Settings.from_env({}).clinic_hours == (time(8), time(20)) and Settings.from_env({}).rooms == (
        "Room 1", "Room 2")
    for bad in ({"THREADLIFT_CLINIC_HOURS": "17:00-09:00"}, {"THREADLIFT_CLINIC_HOURS": "25:00-26:00"},
                {"THREADLIFT_CLINIC_HOURS": "mornings"}, {"THREADLIFT_ROOMS": " , "}, {"THREADLIFT_ROOMS": "x" * 41}):
        with pytest.raises(ConfigurationError, match=r"THREADLIFT_(CLINIC_HOURS|ROOMS) must"):
            Settings.from_env(bad)
