"""Follow-up appointments through the API and the pages, on SQLite and PostgreSQL (issue 14 item 5): reception
books and reads the diary without clinical content, a retry books once, double bookings and another patient's
episode are refused, a move or a cancellation keeps the history with its reason, a no-show waits for the
start, reminders and the FHIR export use the booked time."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from icalendar import Calendar

from tests.helpers.exports import episode as built_episode
from tests.helpers.records import Clinic, database_url, open_clinic
from tests.helpers.web import PageUser
from tests.web.test_pages import registered
from threadlift.clinic.appointments import Booking
from threadlift.clinic.episode import State
from threadlift.clinic.errors import Conflict
from threadlift.interop.fhir.check import validate
from threadlift.services import appointments, outbox
from threadlift.services.commands import BookAppointment

DIARY_FIELDS = {"id", "patient_id", "patient_name", "episode_id", "follow_up", "follow_up_name", "starts_at", "ends_at",
                "duration_minutes", "clinician_id", "clinician_name", "room", "status", "history"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def clinic(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    """One clinic per database for this module (its setup costs more than these tests): each test treats its
    own patient, and books at times no other test uses."""
    folder = tmp_path_factory.mktemp(f"appointments-{request.param}")
    url, schema = database_url(request.param, folder)
    opened = open_clinic(url, folder)
    yield opened
    opened.close()
    if schema is not None:
        schema.drop()


def treated(clinic: Clinic, seed: int) -> tuple[Any, Any]:
    """A patient discharged, follow-ups all due (``seed``: one patient and lots of their own), stored."""
    episode, lots, person = built_episode(State.DISCHARGED, seed_value=seed)
    person = person.model_copy(update={"email": f"treated-{seed}@example.org"})
    with clinic.services.uow() as uow:
        uow.patients.add(person)
        for lot in lots:
            uow.lots.add(lot.model_copy(update={"lot": f"{lot.lot}-{seed}"}))  # lot numbers are unique
        uow.episodes.add(episode)
        uow.commit()
    return person, episode


def booking(clinic: Clinic, patient: object, *, follow_up: int = 1, on: str = "2026-11-03", at: str = "10:00",
            room: str = "Room 1", clinician: str = "dr-hale", minutes: int = 30) -> dict[str, object]:
    return {"patient_id": str(patient), "follow_up": follow_up, "on": on, "at": at, "duration_minutes": minutes,
            "clinician_id": clinic.user(clinician).id, "room": room}


def test_reception_books_once_and_reads_a_diary_without_clinical_content(clinic: Clinic):
    patient, episode = treated(clinic, 101)
    address = f"/api/episodes/{episode.id}/appointments"
    key = {"Idempotency-Key": "book-1-week-0001"}
    first = clinic.client.post(address, json=booking(clinic, patient.id), headers={
        **clinic.headers("reception-kim"), **key})
    assert first.status_code == 201, first.text
    again = clinic.client.post(address, json=booking(clinic, patient.id), headers={
        **clinic.headers("reception-kim"), **key})
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]  # a retry books once
    diary = clinic.call("reception-kim", "GET", "/api/diary?start=2026-11-03").json()
    assert [e["id"] for e in diary] == [first.json()["id"]] and set(diary[0]) == DIARY_FIELDS
    assert diary[0]["starts_at"].startswith("2026-11-03T10:00") and diary[0]["clinician_name"] == "Dr Hale"
    assert diary[0]["patient_name"] == patient.display_name and diary[0]["follow_up_name"] == "1 week"
    reception = PageUser(clinic, "reception-kim")
    assert f"/episodes/{episode.id}/appointments" in reception.get(f"/patients/{patient.id}").text
    week = reception.get("/diary/week?on=2026-11-05")
    assert week.status_code == 200 and patient.display_name in week.text and "10:00–10:30" in week.text
    assert "PDO" not in week.text and "lot" not in week.text.lower()  # no thread, lot or other clinical detail
    assert clinic.call("reception-kim", "GET", f"/api/episodes/{episode.id}/followups").status_code == 403
    schedule = PageUser(clinic, "nurse-ade").get(f"/episodes/{episode.id}/follow-up")  # the clinical team's page
    assert "booked 03 Nov 2026 10:00, Dr Hale, Room 1" in schedule.text
    audit = clinic.call("admin", "GET", "/api/audit").json()
    assert [(r["user_id"], r["action"]) for r in audit if r["entity_id"] == first.json()["id"]] == [
        (clinic.user("reception-kim").id, "create")]


def test_double_bookings_and_another_patients_episode_are_refused(clinic: Clinic):
    patient, episode = treated(clinic, 102)
    other_patient, other_episode = registered(clinic)
    address = f"/api/episodes/{episode.id}/appointments"

    def book(at: str, *, follow_up: int = 2, on: str = "2026-11-06", who: object = None, **changes: Any) -> Any:
        body = {**booking(clinic, who or patient.id, follow_up=follow_up, on=on, at=at), **changes}
        return clinic.call("reception-kim", "POST", address, json=body)

    assert book("10:00", follow_up=1).status_code == 201  # no other test books on 6 November
    clash = book("10:15", room="Room 2")
    assert clash.status_code == 409
    assert clash.json()["detail"] == ("Dr Hale is already booked from 10:00 to 10:30 on 06 Nov 2026: choose another "
                                      "time or clinician")
    room = book("09:45", clinician_id=clinic.user("dr-osei").id)
    assert room.status_code == 409 and room.json()["detail"].startswith("Room 1 is already booked")
    twice = book("14:00", follow_up=1)
    assert twice.status_code == 409 and "reschedule that appointment" in twice.json()["detail"]
    assert book("15:00", who=other_patient).status_code == 404  # another patient's id with this episode
    not_yet = clinic.call("reception-kim", "POST", f"/api/episodes/{other_episode}/appointments",
                          json=booking(clinic, other_patient, follow_up=0, on="2026-11-06", at="15:00"))
    assert not_yet.status_code == 409 and "after discharge" in not_yet.json()["detail"]
    past = book("08:30", on="2026-11-02")
    assert past.status_code == 409 and "has passed" in past.json()["detail"]
    late = book("19:45")
    assert late.status_code == 409 and "open from 08:00 to 20:00" in late.json()["detail"]
    nurse = book("15:00", clinician_id=clinic.user("nurse-ade").id)
    assert nurse.status_code == 409 and "choose one of the clinic's clinicians" in nurse.json()["detail"]


def test_two_bookings_of_one_slot_at_once_book_one(clinic: Clinic):
    """The diary is checked and written by one booking at a time (PostgreSQL: an advisory lock; SQLite: its
    one writer), so two receptionists taking the same slot at the same moment cannot both have it."""
    patient, episode = treated(clinic, 106)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def take(position: int) -> None:
        command = BookAppointment(episode_id=episode.id, patient_id=patient.id, booking=Booking.model_validate(
            {k: v for k, v in booking(clinic, patient.id, follow_up=position, on="2026-11-09").items()
             if k != "patient_id"}))
        start.wait()
        try:
            appointments.book_appointment(clinic.services, clinic.user("reception-kim"), command)
            outcomes.append("booked")
        except Conflict:
            outcomes.append("refused")

    workers = [threading.Thread(target=take, args=(position,)) for position in (2, 3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(outcomes) == ["booked", "refused"]


def test_moves_cancellations_no_shows_and_attendance_keep_the_history(clinic: Clinic):
    patient, episode = treated(clinic, 103)  # the clinic's clock: 09:00 on 2 November 2026
    booked = clinic.call("reception-kim", "POST", f"/api/episodes/{episode.id}/appointments",
                         json=booking(clinic, patient.id, follow_up=2, on="2026-11-02", at="09:30")).json()
    move = {"on": "2026-11-02", "at": "09:40", "duration_minutes": 45, "clinician_id": clinic.user("dr-osei").id,
            "room": "Room 2"}
    short = clinic.call("reception-kim", "POST", f"/api/appointments/{booked['id']}/reschedule",
                        json={**move, "reason": "asked"})
    assert short.status_code == 422
    moved = clinic.call("reception-kim", "POST", f"/api/appointments/{booked['id']}/reschedule",
                        json={**move, "reason": "the patient asked for later"}).json()
    assert [h["kind"] for h in moved["history"]] == ["booked", "rescheduled"]
    assert moved["history"][0]["starts_at"].startswith("2026-11-02T09:30") and moved["clinician_name"] == "Dr Osei"
    early = clinic.call("nurse-ade", "POST", f"/api/appointments/{booked['id']}/no-show")
    assert early.status_code == 409 and "once it has begun" in early.json()["detail"]
    clinic.wait(minutes=45)  # 09:45
    assert clinic.call("nurse-ade", "POST", f"/api/appointments/{booked['id']}/no-show").json()["status"] == "no_show"
    cancelled = clinic.call("reception-kim", "POST", f"/api/appointments/{booked['id']}/cancel",
                            json={"reason": "the patient did not come"})
    assert cancelled.status_code == 409  # a no-show stays one
    again = clinic.call("reception-kim", "POST", f"/api/episodes/{episode.id}/appointments",
                        json=booking(clinic, patient.id, follow_up=2, on="2026-11-05", at="09:00")).json()
    cancel = clinic.call("reception-kim", "POST", f"/api/appointments/{again['id']}/cancel",
                         json={"reason": "the patient is travelling"}).json()
    assert cancel["status"] == "cancelled" and cancel["history"][-1]["reason"] == "the patient is travelling"
    listed = clinic.call("reception-kim", "GET", "/api/diary?start=2026-11-02&days=4").json()
    assert [e["status"] for e in listed if e["patient_id"] == str(patient.id)] == ["no_show", "cancelled"]  # kept
    third = clinic.call("reception-kim", "POST", f"/api/episodes/{episode.id}/appointments",
                        json=booking(clinic, patient.id, follow_up=2, on="2026-11-02", at="10:00")).json()
    board = PageUser(clinic, "reception-kim").get("/").text  # today's appointments on reception's dashboard
    today = board[board.index("Today's appointments"):board.index("Follow-ups due")]
    assert patient.display_name in today and "10:00" in today and "no show" in today
    done = clinic.call("nurse-ade", "POST", f"/api/episodes/{episode.id}/followups/2", json={"status": "done"})
    assert done.status_code == 200, done.text
    (attended,) = [e for e in clinic.call("dr-hale", "GET", "/api/diary?start=2026-11-02").json()
                   if e["id"] == third["id"]]
    assert attended["status"] == "attended" and attended["history"][-1]["kind"] == "attended"
    ids = {booked["id"], again["id"], third["id"]}
    actions = [(r["action"], r["user_id"]) for r in clinic.call("admin", "GET", "/api/audit").json()
               if r["entity_type"] == "appointment" and r["entity_id"] in ids]
    reception, nurse = clinic.user("reception-kim").id, clinic.user("nurse-ade").id
    assert actions == [("create", reception), ("reschedule", reception), ("no_show", nurse), ("create", reception),
                       ("cancel", reception), ("create", reception), ("attended", nurse)]


def test_bad_input_and_unknown_ids_are_refused_in_words_never_500(clinic: Clinic):
    patient, episode = treated(clinic, 104)
    address = f"/api/episodes/{episode.id}/appointments"
    good = booking(clinic, patient.id)
    for bad in ({"duration_minutes": 0}, {"duration_minutes": 10**30}, {"follow_up": -1}, {"follow_up": 10**30},
                {"on": "2026-13-01"}, {"at": "25:00"}, {"room": ""}, {"clinician_id": "x" * 37}):
        assert clinic.call("reception-kim", "POST", address, json={**good, **bad}).status_code == 422, bad
    for missing in ("on", "at", "clinician_id", "room", "patient_id", "follow_up"):
        body = {k: v for k, v in good.items() if k != missing}
        assert clinic.call("reception-kim", "POST", address, json=body).status_code == 422, missing
    assert clinic.call("reception-kim", "POST", address, json={**good, "follow_up": 99}).status_code == 404
    assert clinic.call("reception-kim", "POST", address, json={**good, "room": "Cellar"}).status_code == 409
    assert clinic.call("reception-kim", "POST", address, json={**good, "on": "9999-12-31"}).status_code == 409
    assert clinic.call("reception-kim", "POST", f"/api/episodes/{uuid4()}/appointments", json=good).status_code == 404
    for path in (f"/api/appointments/{uuid4()}/cancel", "/api/appointments/not-an-id/cancel"):
        answer = clinic.call("reception-kim", "POST", path, json={"reason": "the patient is travelling"})
        assert answer.status_code in (404, 422), path
    for query in ("start=9999-12-31", "start=0001-01-01", "start=2026-11-03&days=8", "start=2026-11-03&days=0",
                  "start=soon"):
        assert clinic.call("reception-kim", "GET", f"/api/diary?{query}").status_code in (409, 422), query
    reception = PageUser(clinic, "reception-kim")
    page = reception.post(f"/episodes/{episode.id}/appointments", {**good, "duration_minutes": "100000"})
    assert page.status_code == 422 and "Minutes" in page.text
    other, _ = registered(clinic)
    assert reception.post(f"/episodes/{episode.id}/appointments", {**good, "patient_id": str(other)}).status_code == 404
    booked = reception.post(f"/episodes/{episode.id}/appointments", {**good, "on": "2026-11-10"})
    assert booked.status_code == 303
    (entry,) = clinic.call("reception-kim", "GET", "/api/diary?start=2026-11-10").json()
    short = reception.post(f"/appointments/{entry['id']}/cancel", {"reason": "ill", "episode_id": str(episode.id)})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    moved = reception.post(f"/appointments/{entry['id']}/reschedule", {
        **{k: good[k] for k in ("at", "duration_minutes", "clinician_id", "room")}, "on": "2026-11-11",
        "reason": "the patient asked for Wednesday", "episode_id": str(episode.id)})
    assert moved.status_code == 303 and moved.headers["location"] == f"/episodes/{episode.id}/appointments"
    shown = reception.get(f"/episodes/{episode.id}/appointments").text
    assert "rescheduled" in shown and "the patient asked for Wednesday" in shown
    assert reception.post(f"/appointments/{uuid4()}/no-show", {"episode_id": str(episode.id)}).status_code == 404
    assert reception.get("/diary?on=31-12-2026").status_code == 404
    assert reception.get("/diary?on=9999-12-31").status_code == 409


def test_reminders_and_the_fhir_export_use_the_booked_time(clinic: Clinic):
    patient, episode = treated(clinic, 105)
    booked = clinic.call("reception-kim", "POST", f"/api/episodes/{episode.id}/appointments",
                         json=booking(clinic, patient.id, follow_up=3, on="2026-11-04", at="14:30",
                                      minutes=20)).json()
    assert outbox.follow_up_reminders(clinic.services) >= 1
    assert outbox.follow_up_reminders(clinic.services) == 0  # once per booked time
    with clinic.services.uow(read_only=True) as uow:
        (message,) = [m for m in uow.outbox.of_patient(str(patient.id), 10) if m.kind == "follow_up_reminder"]
    assert "Wednesday 04 Nov 2026 at 14:30" in message.body
    event = Calendar.from_ical(base64.b64decode(message.attachments[0].data_base64)).walk("VEVENT")[0]
    assert event.decoded("dtstart").isoformat() == booked["starts_at"].replace("Z", "+00:00")
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=20)
    bundle = clinic.call("dr-hale", "GET", f"/api/patients/{patient.id}/fhir").json()
    validate([bundle])
    resources = {e["resource"]["description"]: e["resource"] for e in bundle["entry"]
                    if e["resource"]["resourceType"] == "Appointment"}
    fhir = resources["3 months"]
    assert fhir["status"] == "booked" and fhir["minutesDuration"] == 20
    assert fhir["start"].startswith("2026-11-04T14:30") and {"text": "booked in Room 1"} in fhir["note"]
    assert resources["6 months"]["status"] == "proposed"
    validate([clinic.call("dr-hale", "GET", f"/api/patients/{patient.id}/fhir?version=R4B").json()], "R4B")
