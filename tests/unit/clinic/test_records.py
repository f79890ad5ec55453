"""Consent, adverse-event grading and follow-up lists."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from tests.helpers.clinic import CONSENT_DOCUMENT, NOON, TODAY, signature_png
from threadlift.clinic.adverse import AdverseEvent, EventType, Intervention, Outcome
from threadlift.clinic.consent import PhotoConsent, PhotoScope, ensure_unchanged, sign
from threadlift.clinic.errors import RecordLocked
from threadlift.clinic.followup import schedule
from threadlift.clinic.policy import ClinicPolicy


def signed():
    return sign(CONSENT_DOCUMENT, typed_name=" Adaeze Okafor ", signature_png_base64=signature_png(), signed_at=NOON,
                client_address="10.0.0.7", taken_by="dr-hale")


def test_a_signed_consent_is_frozen_and_any_change_is_detected():
    consent = signed()
    assert consent.verify() and consent.typed_name == "Adaeze Okafor"
    with pytest.raises(ValidationError):
        consent.typed_name = "Someone Else"
    altered = consent.model_copy(update={"document_version": "2025.9"})
    with pytest.raises(RecordLocked, match="altered"):
        ensure_unchanged(altered)


def test_a_signature_must_be_a_drawn_png():
    with pytest.raises(ValidationError, match="PNG"):
        sign(CONSENT_DOCUMENT, typed_name="Adaeze Okafor", signature_png_base64="bm90IGFuIGltYWdl", signed_at=NOON,
             client_address="10.0.0.7", taken_by="dr-hale")


def test_photo_consent_withdrawal_is_recorded_not_deleted():
    consent = PhotoConsent(scopes=frozenset({PhotoScope.CLINICAL_RECORD, PhotoScope.TEACHING}), given_at=NOON,
                           recorded_by="nurse-ade")
    assert consent.allows(PhotoScope.TEACHING, NOON + timedelta(days=1))
    assert not consent.allows(PhotoScope.MARKETING, NOON)
    withdrawn = consent.withdraw(at=NOON + timedelta(days=30), by="reception-kim", reason="patient asked")
    assert withdrawn.id == consent.id and withdrawn.given_at == consent.given_at
    assert not withdrawn.allows(PhotoScope.TEACHING, NOON + timedelta(days=31))
    assert withdrawn.allows(PhotoScope.TEACHING, NOON + timedelta(days=29))  # what was allowed then stays true
    with pytest.raises(RecordLocked):
        withdrawn.withdraw(at=NOON + timedelta(days=40), by="x")


@pytest.mark.parametrize("intervention, grade", [(Intervention.NONE, "I"), (Intervention.DRUG, "II"),
                                                 (Intervention.PROCEDURE_LOCAL, "IIIa"),
                                                 (Intervention.PROCEDURE_GENERAL, "IIIb")])
def test_ae_01_clavien_dindo_grade_follows_the_intervention(intervention, grade):
    event = AdverseEvent(type=EventType.INFECTION, onset_on=TODAY, severity=2, intervention=intervention)
    assert event.clavien_dindo == grade and event.tier == "S"


def test_ae_02_to_05_prompts():
    procedure_day = TODAY - timedelta(days=30)
    dimple = AdverseEvent(type=EventType.DIMPLING, onset_on=procedure_day, severity=1)
    assert any("AE-02" in p for p in dimple.prompts(procedure_day, TODAY))
    late_infection = AdverseEvent(type=EventType.INFECTION, onset_on=TODAY - timedelta(days=2), severity=2,
                                  pus_present=True)
    prompts = late_infection.prompts(procedure_day, TODAY)
    assert any("culture before" in p for p in prompts) and any("mycobacteria" in p for p in prompts)
    # A day-0 infection on its first antibiotics is not a late or resistant one (issue 14); a week on, it is.
    treated = AdverseEvent(type=EventType.INFECTION, onset_on=procedure_day, severity=2,
                           intervention=Intervention.DRUG, outcome=Outcome.ONGOING)
    assert not any("mycobacteria" in p for p in treated.prompts(procedure_day, procedure_day + timedelta(days=2)))
    assert any("mycobacteria" in p for p in treated.prompts(procedure_day, procedure_day + timedelta(days=8)))
    weakness = AdverseEvent(type=EventType.NERVE_INJURY, onset_on=procedure_day, severity=2)
    assert any("House-Brackmann" in p for p in weakness.prompts(procedure_day, TODAY))
    lump = AdverseEvent(type=EventType.OTHER, onset_on=TODAY, severity=2, pulsatile_lump=True)
    assert lump.tier == "U" and any("AE-05" in p for p in lump.prompts(procedure_day, TODAY))


def test_an_event_cannot_resolve_before_it_began():
    with pytest.raises(ValidationError, match="before its onset"):
        AdverseEvent(type=EventType.SWELLING, onset_on=TODAY, severity=1, outcome=Outcome.RESOLVED,
                     resolved_on=TODAY - timedelta(days=1))


def test_follow_up_schedule_is_a_setting():
    default = schedule(TODAY, ClinicPolicy())
    assert [f.due_on - TODAY for f in default][:3] == [timedelta(days=1), timedelta(days=7), timedelta(days=30)]
    custom = ClinicPolicy(follow_ups=({"name": "2 weeks", "days_after": 14},))
    assert [f.name for f in schedule(TODAY, custom)] == ["2 weeks"]
    assert default[1].overdue_on(TODAY + timedelta(days=8)) and not default[1].overdue_on(TODAY + timedelta(days=7))
