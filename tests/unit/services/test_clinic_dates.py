"""Every clinical date is the clinic's (THREADLIFT_TIMEZONE), from the injected clock: the pathway run at
23:30 clinic time ten hours west of UTC (where UTC's date is already tomorrow) and fourteen hours east
(where, after midnight, UTC's date is still yesterday)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.fakes import fake_services
from tests.helpers.clinic import (
    ALL_CRITERIA,
    CLINICAL_PHOTOS,
    CONSENT_DOCUMENT,
    consultation_entry,
    details,
    lot_entry,
    signature_png,
)
from tests.helpers.records import STAFF, Clock
from threadlift.clinic.consent import ConsentSignature
from threadlift.clinic.consultation import TreatmentArea
from threadlift.clinic.discharge import DischargeDecision, ObservationEntry
from threadlift.clinic.errors import ExpiredLot, InvalidInput, SuitabilityNotCleared
from threadlift.clinic.procedure import ChecklistItem, ChecklistTick, Side, ThreadPlacement
from threadlift.clinic.staff import StaffAccount
from threadlift.services import (
    aftercare,
    consents,
    consultation,
    dashboard,
    episodes,
    people,
    planning,
    procedure,
    stock,
)
from threadlift.services.commands import (
    AddConsentDocument,
    CreateUser,
    DecideSuitability,
    Discharge,
    EndProcedure,
    GivePhotoConsent,
    OpenEpisode,
    PlaceThread,
    ReceiveLot,
    RecordConsultation,
    RecordObservation,
    RegisterPatient,
    SignConsent,
    StartProcedure,
    TickChecklist,
)
from threadlift.services.planning import PlanSubmission

DAY = date(2026, 11, 2)  # the consultation's date, on the clinic's calendar
COOLING_OFF_DAYS = 7
ZONES = {"UTC-10": "Pacific/Honolulu", "UTC+14": "Pacific/Kiritimati"}


def at(day: date, hour: int, minute: int, zone: str) -> datetime:
    """A clinic wall-clock time as the instant the clock gives (UTC)."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.parametrize("offset", sorted(ZONES))
def test_the_pathway_at_half_past_eleven_at_night_keeps_the_clinics_dates(offset: str):
    zone = ZONES[offset]
    clock = Clock(at(DAY, 23, 30, zone))
    svc, _ = fake_services(clock, timezone=zone, policy_overrides={"cooling_off_days": COOLING_OFF_DAYS})
    staff = {name: people.create_user(svc, None, CreateUser(account=StaffAccount(
        username=name, display_name=name.title(), role=role, password="a long test passphrase")))
        for name, role in STAFF.items()}
    consents.add_consent_document(svc, None, AddConsentDocument(document=CONSENT_DOCUMENT))
    reception, hale, nurse = staff["reception-kim"], staff["dr-hale"], staff["nurse-ade"]
    assert (svc.today() == DAY and clock().date() != DAY) or offset == "UTC+14"

    # Registration: born "today" is refused on the clinic's today, whatever UTC's date is.
    with pytest.raises(InvalidInput, match="date of birth must be in the past"):
        people.register_patient(svc, reception, RegisterPatient(details=details(date_of_birth=DAY)))
    episodes_ = []
    for _ in range(2):
        person = people.register_patient(svc, reception, RegisterPatient(details=details()))
        consents.give_photo_consent(svc, reception, GivePhotoConsent(patient_id=person.id, grant=CLINICAL_PHOTOS))
        episode = episodes.open_episode(svc, reception, OpenEpisode(patient_id=person.id)).id
        consultation.record_consultation(svc, hale, RecordConsultation(
            episode_id=episode, consultation=consultation_entry(consulted_on=svc.today())))
        consultation.decide_suitability(svc, hale, DecideSuitability(episode_id=episode))
        consents.sign_consent(svc, hale, SignConsent(episode_id=episode, client_address="test", signature=(
            ConsentSignature(document_version="2026.1", typed_name="Adaeze Okafor",
                             signature_png_base64=signature_png()))))
        planning.submit(svc, hale, episode, PlanSubmission(areas=[TreatmentArea.JAWLINE]))
        episodes_.append(episode)
    first, second = episodes_
    ready = DAY + timedelta(days=COOLING_OFF_DAYS)
    fresh = stock.receive_lot(svc, nurse, ReceiveLot(lot=lot_entry(received_on=DAY, expiry=ready)))

    # The cooling-off period runs to the end of the clinic's day before it ends, not UTC's.
    clock.now = at(ready - timedelta(days=1), 23, 30, zone)
    with pytest.raises(SuitabilityNotCleared, match=f"cooling-off period runs until {ready.isoformat()}"):
        procedure.start_procedure(svc, hale, StartProcedure(episode_id=first))
    # Half an hour after the clinic's midnight it has ended (east of UTC, UTC's date is still the day before).
    clock.now = at(ready, 0, 30, zone)
    assert svc.today() == ready
    procedure.start_procedure(svc, hale, StartProcedure(episode_id=second))

    # The procedure day, in the evening: a lot that expires today is still in date until the clinic's midnight.
    clock.now = at(ready, 22, 0, zone)
    procedure.start_procedure(svc, hale, StartProcedure(episode_id=first))
    for item in [i for i in ChecklistItem if i is not ChecklistItem.TOPICAL_REMOVED] + [ChecklistItem.TOPICAL_REMOVED]:
        procedure.tick(svc, nurse, TickChecklist(episode_id=first, tick=ChecklistTick(item=item)))
    clock.now = at(ready, 22, 20, zone)
    placement = ThreadPlacement(lot_id=fresh.id, area="jawline", side=Side.LEFT, vector="pre-auricular -> jowl",
                                anchored=True, entry_to_exit_mm=78)
    procedure.place_thread(svc, nurse, PlaceThread(episode_id=first, placement=placement))
    clock.now = at(ready, 22, 50, zone)
    procedure.end_procedure(svc, hale, EndProcedure(episode_id=first))
    aftercare.observe(svc, nurse, RecordObservation(episode_id=first, observation=ObservationEntry(pulse_bpm=70)))
    clock.now = at(ready, 23, 30, zone)
    follow_ups = aftercare.discharge(svc, hale, Discharge(episode_id=first, decision=DischargeDecision(
        criteria=ALL_CRITERIA, aftercare_version="2026.1")))
    slots = svc.policy.follow_ups
    assert [f.due_on for f in follow_ups] == [ready + timedelta(days=s.days_after) for s in slots]
    board = dashboard.dashboard(svc, hale)
    assert board.today == ready and first in {e.episode_id for e in board.done_today + board.in_observation}

    # Tomorrow the lot has expired, by the clinic's calendar.
    clock.now = at(ready + timedelta(days=1), 0, 15, zone)
    with pytest.raises(ExpiredLot):
        procedure.place_thread(svc, nurse, PlaceThread(episode_id=second, placement=placement))

    # A follow-up due on a day is due (not overdue) until that day's end at the clinic.
    due_on = follow_ups[0].due_on
    clock.now = at(due_on, 23, 30, zone)
    due = [f for f in aftercare.follow_ups_due(svc, reception, within_days=0) if f.episode_id == first]
    assert [f.due_on for f in due] == [due_on]


def test_a_day_is_written_in_the_clinics_one_format_on_pages_and_documents(tmp_path):
    """Issue 14 item 6: dates in one format from the clinic's settings (THREADLIFT_DATE_FORMAT)."""
    from dataclasses import replace as with_changes

    from tests.helpers.exports import record_at
    from tests.unit.reports.test_patient_documents import UK, text_of
    from threadlift.clinic.episode import State
    from threadlift.config import ConfigurationError, Settings
    from threadlift.reports.aftercare_pdf import aftercare_pdf

    base = {"THREADLIFT_DATA_DIR": str(tmp_path)}
    assert Settings.from_env(base).date_format == "DD Mon YYYY"
    assert Settings.from_env({**base, "THREADLIFT_DATE_FORMAT": "yyyy-mm-dd"}).date_format == "YYYY-MM-DD"
    with pytest.raises(ConfigurationError, match="DD/MM/YYYY, MM/DD/YYYY"):
        Settings.from_env({**base, "THREADLIFT_DATE_FORMAT": "dd.mm.yy"})
    evening = datetime(2026, 12, 3, 7, 30, tzinfo=UTC)  # 23:30 on 2 December in Los Angeles
    written = {name: fake_services(timezone="America/Los_Angeles", date_format=name)[0].day_text(evening)
               for name in ("DD Mon YYYY", "YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY")}
    assert written == {"DD Mon YYYY": "02 Dec 2026", "YYYY-MM-DD": "2026-12-02", "DD/MM/YYYY": "02/12/2026",
                       "MM/DD/YYYY": "12/02/2026"}
    record = record_at(State.FOLLOW_UP)
    episode = record.episodes[0]
    text, _ = text_of(aftercare_pdf(with_changes(UK, date_pattern="%m/%d/%Y"), record, episode))
    assert all(f.due_on.strftime("%m/%d/%Y") in text for f in episode.follow_ups)
    assert f"born {record.patient.date_of_birth:%m/%d/%Y}" in text
