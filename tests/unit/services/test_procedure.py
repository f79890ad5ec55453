"""The procedure day as use cases, on the fakes: what is recorded is what the clinician recorded."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.helpers.clinic import lot_entry
from tests.unit.services.conftest import Clinic, consented
from threadlift.clinic.adverse import AdverseEventReport, EventType
from threadlift.clinic.anaesthetic import InjectionEntry
from threadlift.clinic.consultation import TreatmentArea
from threadlift.clinic.errors import InvalidInput, LotUnavailable
from threadlift.clinic.procedure import ChecklistItem, ChecklistTick, Side, ThreadPlacement
from threadlift.clinic.registers import RegisterFilter
from threadlift.clinic.threads import Design
from threadlift.services import aftercare, planning, procedure, registers, stock
from threadlift.services.commands import (
    PlaceThread,
    ReceiveLot,
    RecordInjection,
    ReportAdverseEvent,
    StartProcedure,
    TickChecklist,
)
from threadlift.services.planning import PlanSubmission


def started(clinic: Clinic) -> tuple[object, object]:
    episode = consented(clinic)
    planning.submit(clinic.services, clinic.user("dr-hale"), episode, PlanSubmission(areas=[TreatmentArea.JAWLINE]))
    procedure.start_procedure(clinic.services, clinic.user("dr-hale"), StartProcedure(episode_id=episode))
    return episode, stock.receive_lot(clinic.services, clinic.user("nurse-ade"), ReceiveLot(lot=lot_entry()))


def placement(lot_id: object, **changes: object) -> ThreadPlacement:
    values = {"lot_id": lot_id, "area": "jawline", "side": Side.LEFT, "vector": "pre-auricular -> jowl",
              "anchored": True, "entry_to_exit_mm": 78}
    return ThreadPlacement.model_validate({**values, **changes})


def test_a_thread_is_recorded_with_the_values_given_and_audited(clinic: Clinic):
    episode, lot = started(clinic)
    used = procedure.place_thread(clinic.services, clinic.user("nurse-ade"), PlaceThread(
        episode_id=episode, placement=placement(lot.id, anchored=False)))  # the plan has areas, no threads
    assert (used.anchored, used.entry_to_exit_mm, used.planned_thread) == (False, 78, None)
    view = procedure.procedure_view(clinic.services, clinic.user("dr-hale"), episode)
    assert view.record is not None and view.record.threads == [used]
    change = clinic.last_change()
    assert (change.action, change.detail["planned"], change.user_id) == ("thread", None, clinic.user("nurse-ade").id)


def test_a_coned_thread_needs_its_length_and_a_used_up_lot_is_refused(clinic: Clinic):
    episode, _ = started(clinic)
    nurse = clinic.user("nurse-ade")
    coned = stock.receive_lot(clinic.services, nurse, ReceiveLot(lot=lot_entry(
        lot="CONE-8", design=Design.CONED, cones=8, quantity_received=1)))
    with pytest.raises(InvalidInput, match="entry-to-exit length"):
        procedure.place_thread(clinic.services, nurse, PlaceThread(
            episode_id=episode, placement=placement(coned.id, entry_to_exit_mm=None)))
    procedure.place_thread(clinic.services, nurse, PlaceThread(episode_id=episode, placement=placement(coned.id)))
    with pytest.raises(LotUnavailable, match="used up"):
        procedure.place_thread(clinic.services, nurse, PlaceThread(episode_id=episode, placement=placement(coned.id)))


def test_the_dose_is_checked_against_the_maximum_and_shown_in_the_view(clinic: Clinic):
    episode, _ = started(clinic)
    nurse = clinic.user("nurse-ade")
    procedure.tick(clinic.services, nurse, TickChecklist(episode_id=episode, tick=ChecklistTick(
        item=ChecklistItem.LAST_KIT_PRESENT)))
    dose = procedure.inject(clinic.services, nurse, RecordInjection(episode_id=episode, injection=InjectionEntry(
        concentration_percent=1, volume_ml=5, with_adrenaline=True)))
    view = procedure.procedure_view(clinic.services, clinic.user("dr-hale"), episode)
    assert dose.total_mg == 50 and view.dose is not None and view.dose.total_mg == 50
    assert [s.lot.lot for s in view.stock] == ["PDO-2026-A1"]


def test_a_placement_without_the_anchoring_stated_cannot_be_made(clinic: Clinic):
    with pytest.raises(ValidationError, match="anchored"):
        ThreadPlacement.model_validate({"lot_id": "00000000-0000-4000-8000-000000000000", "area": "jawline",
                                        "side": "left", "vector": "a -> b"})


def test_an_adverse_event_names_only_lots_used_in_its_episode_and_reaches_the_register(clinic: Clinic):
    episode, lot = started(clinic)
    nurse = clinic.user("nurse-ade")
    unused = stock.receive_lot(clinic.services, nurse, ReceiveLot(lot=lot_entry(lot="PDO-2026-Z9")))
    procedure.place_thread(clinic.services, nurse, PlaceThread(episode_id=episode, placement=placement(lot.id)))
    onset = clinic.clock.now.date()
    with pytest.raises(InvalidInput, match="not used in this episode"):
        aftercare.report_adverse_event(clinic.services, nurse, ReportAdverseEvent(episode_id=episode, event=(
            AdverseEventReport(type=EventType.INFECTION, onset_on=onset, severity=2, lot_ids=[unused.id]))))
    view = aftercare.report_adverse_event(clinic.services, nurse, ReportAdverseEvent(episode_id=episode, event=(
        AdverseEventReport(type=EventType.INFECTION, onset_on=onset, severity=2, pus_present=True,
                           lot_ids=[lot.id]))))
    assert view.tier == "S" and any("culture" in p for p in view.prompts)
    register = registers.complications(clinic.services, clinic.user("dr-hale"), RegisterFilter(lot=lot.lot))
    assert [(r.type, r.lots) for r in register.rows] == [("infection", ("PDO-2026-A1",))]
    assert register.procedures == 1 and register.rates_per_100 == {"infection": 100.0}
