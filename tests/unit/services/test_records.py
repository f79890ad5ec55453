"""Patients, consents, stock and registers as use cases, on the fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers.clinic import lot_entry
from tests.unit.services.conftest import Clinic, consented, registered
from threadlift.clinic.consent import ConsentSignature, PhotoConsentWithdrawal
from threadlift.clinic.errors import ExpiredLot, InvalidInput, NotFound
from threadlift.clinic.patient import PatientChanges
from threadlift.clinic.registers import RegisterFilter
from threadlift.services import aftercare, consents, dashboard, people, registers, stock
from threadlift.services.base import PermissionDenied
from threadlift.services.commands import (
    ReceiveLot,
    SignConsent,
    UpdatePatient,
    WithdrawPhotoConsent,
)

BLANK_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAWwM6GgAAAABJRU5ErkJggg==")


def test_an_update_changes_only_what_it_sets_and_a_name_cannot_be_blanked(clinic: Clinic):
    patient, _ = registered(clinic)
    reception = clinic.user("reception-kim")
    updated = people.update_patient(clinic.services, reception, UpdatePatient(
        patient_id=patient, changes=PatientChanges(phone=None)))
    assert (updated.phone, updated.weight_kg, updated.family_name) == (None, 64, "Okafor")
    weighed = people.update_patient(clinic.services, clinic.user("nurse-ade"), UpdatePatient(
        patient_id=patient, changes=PatientChanges(weight_kg=70)))
    assert (weighed.weight_kg, weighed.phone) == (70, None)
    with pytest.raises(ValueError, match="cannot be blank"):
        PatientChanges(family_name=None)
    assert people.search_patients(clinic.services, reception, "okaf ada")[1] == 1
    with pytest.raises(InvalidInput):
        people.search_patients(clinic.services, reception, "okaf", limit=10_000)


def test_a_blank_signature_is_refused_for_every_caller(clinic: Clinic):
    _, episode = registered(clinic)
    signature = ConsentSignature(document_version="2026.1", typed_name="Adaeze Okafor", signature_png_base64=BLANK_PNG)
    with pytest.raises(InvalidInput, match="signature box is empty"):
        consents.sign_consent(clinic.services, clinic.user("dr-hale"), SignConsent(
            episode_id=episode, signature=signature, client_address="test"))


def test_a_photo_consent_is_withdrawn_only_through_its_own_patient(clinic: Clinic):
    patient, _ = registered(clinic)
    other, _ = registered(clinic)
    reception = clinic.user("reception-kim")
    [consent] = consents.photo_consents(clinic.services, reception, patient)
    with pytest.raises(NotFound):
        consents.withdraw_photo_consent(clinic.services, reception, WithdrawPhotoConsent(
            consent_id=consent.id, withdrawal=PhotoConsentWithdrawal(reason="asked to"), patient_id=other))
    withdrawn = consents.withdraw_photo_consent(clinic.services, reception, WithdrawPhotoConsent(
        consent_id=consent.id, withdrawal=PhotoConsentWithdrawal(reason="asked to"), patient_id=patient))
    assert withdrawn.withdrawn_at == clinic.clock.now and withdrawn.withdrawal_reason == "asked to"


def test_reception_may_not_read_the_registers(clinic: Clinic):
    with pytest.raises(PermissionDenied):
        registers.complications(clinic.services, clinic.user("reception-kim"), RegisterFilter())
    with pytest.raises(PermissionDenied):
        stock.recall(clinic.services, clinic.user("reception-kim"), "PDO-2026-A1")


def test_a_lot_is_recalled_in_any_case_an_unknown_lot_is_named_as_such_and_an_expired_lot_is_not_received(
        clinic: Clinic):
    nurse, hale = clinic.user("nurse-ade"), clinic.user("dr-hale")
    stock.receive_lot(clinic.services, nurse, ReceiveLot(lot=lot_entry(lot="PDO-2026-0901")))
    assert stock.recall(clinic.services, hale, "pdo-2026-0901") == []  # known, no recipient yet
    with pytest.raises(NotFound, match="no lot numbered PDO-2026-0999 was ever received"):
        stock.recall(clinic.services, hale, "PDO-2026-0999")
    today = clinic.clock.now.date()
    with pytest.raises(ExpiredLot, match="an expired lot is not received"):
        stock.receive_lot(clinic.services, nurse, ReceiveLot(lot=lot_entry(lot="OLD", expiry=today - timedelta(1))))
    assert stock.receive_lot(clinic.services, nurse, ReceiveLot(lot=lot_entry(lot="LAST-DAY", expiry=today)))


def test_the_dashboard_and_follow_ups_due_come_from_one_read_each(clinic: Clinic):
    consented(clinic)
    board = dashboard.dashboard(clinic.services, clinic.user("dr-hale"))
    assert board.planned_total == 0 and board.in_procedure == [] and board.serious_events == []
    assert clinic.actions()[-1] == "read"
    with pytest.raises(InvalidInput):
        aftercare.follow_ups_due(clinic.services, clinic.user("reception-kim"), within_days=5000)
    reception_board = dashboard.dashboard(clinic.services, clinic.user("reception-kim"))
    assert reception_board.serious_events is None and reception_board.expiring_lots is None


def test_a_consultation_or_an_adverse_event_in_the_future_is_refused(clinic: Clinic):
    """Issue 14: a 2027 event topped the register. "When it happened" is never after the clinic's today."""
    from tests.helpers.clinic import consultation_entry
    from threadlift.services import consultation
    from threadlift.services.commands import RecordConsultation

    _, episode = registered(clinic)
    tomorrow = clinic.clock.now.date() + timedelta(days=1)
    with pytest.raises(InvalidInput, match=r"the consultation date is .* after today"):
        consultation.record_consultation(clinic.services, clinic.user("dr-hale"), RecordConsultation(
            episode_id=episode, consultation=consultation_entry(consulted_on=tomorrow)))
    with pytest.raises(InvalidInput, match=r"the recent filler is .* after today"):
        consultation.record_consultation(clinic.services, clinic.user("dr-hale"), RecordConsultation(
            episode_id=episode, consultation=consultation_entry(
                history={"recent_treatments": [{"kind": "filler", "on": tomorrow.isoformat()}]})))


def test_the_patient_page_reads_its_three_parts_in_one_unit_with_their_own_audit_rows(clinic: Clinic):
    from threadlift.services.episodes import EpisodeStatus
    from threadlift.services.patient_summary import patient_summary

    patient, episode = registered(clinic)
    before = len(clinic.units.db.audit)
    summary = patient_summary(clinic.services, clinic.user("dr-hale"), patient)
    assert summary.patient.id == patient and [e.id for e in summary.episodes] == [episode]
    assert len(summary.photo_consents) == 1
    rows = clinic.units.db.audit[before:]
    assert [(r.action, r.entity_type) for r in rows] == [("read", "patient"), ("read", "episode"),
                                                         ("read", "photo_consent")]
    reception = patient_summary(clinic.services, clinic.user("reception-kim"), patient)
    assert all(isinstance(e, EpisodeStatus) for e in reception.episodes)
    assert clinic.units.db.audit[-2].action == "read_status"
    with pytest.raises(NotFound):
        patient_summary(clinic.services, clinic.user("dr-hale"), episode)  # not a patient's id
