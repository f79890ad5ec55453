"""The pathway as a state machine: the whole episode, and every refusal, without a database."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from tests.helpers.clinic import (
    ALL_CRITERIA,
    CONSENT_DOCUMENT,
    NOON,
    TODAY,
    consultation,
    later,
    lot,
    patient,
    signature_png,
)
from threadlift.clinic.adverse import AdverseEvent, EventType, Intervention
from threadlift.clinic.anaesthetic import Injection
from threadlift.clinic.consultation import Allergy, AllergyKind, Risk, TreatmentArea
from threadlift.clinic.discharge import Criterion, ObservationRecord
from threadlift.clinic.episode import Episode, Plan, State
from threadlift.clinic.errors import (
    ConsentMissing,
    ContraindicatedProduct,
    DischargeNotReady,
    ExpiredLot,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OverrideRefused,
    PlanMismatch,
    RecordLocked,
    SuitabilityNotCleared,
)
from threadlift.clinic.followup import FollowUpStatus
from threadlift.clinic.policy import ClinicPolicy
from threadlift.clinic.procedure import (
    ChecklistItem,
    ChecklistTick,
    EventKind,
    ProcedureEventEntry,
    Side,
    ThreadPlacement,
)
from threadlift.clinic.threads import Design, ThreadLot

POLICY = ClinicPolicy.for_jurisdiction("UK", cooling_off_days=0)
# The marking map's threads as the episode keeps them (the plan document's JSON; only what PRO-01 compares).
PLANNED_THREADS = [{"id": "L-jawline-1", "design": "barbed_bidirectional", "gauge": "19G", "length_mm": 100.0},
                   {"id": "R-jawline-1", "design": "barbed_unidirectional", "gauge": "19G", "length_mm": 150.0}]
PATIENT = patient()


def planned_episode(**consultation_changes) -> Episode:
    episode = Episode(patient_id=PATIENT.id, opened_at=NOON - timedelta(days=1))
    episode.record_consultation(consultation(**consultation_changes))
    episode.assess(PATIENT, POLICY, TODAY, NOON, "dr-hale")
    episode.sign_consent(CONSENT_DOCUMENT, typed_name="Adaeze Okafor", signature_png_base64=signature_png(),
                         signed_at=NOON, client_address="10.0.0.7", taken_by="dr-hale")
    episode.record_plan(Plan(areas=[TreatmentArea.JAWLINE], note="2 barbed PDO per side", planned_by="dr-hale",
                             planned_at=NOON, marking_map={"threads": PLANNED_THREADS}))
    return episode


def placement(thread_lot: ThreadLot, side: Side = Side.LEFT, **changes) -> ThreadPlacement:
    values = {"lot_id": thread_lot.id, "area": "jawline", "side": side, "vector": "pre-auricular entry -> jowl",
              "anchored": False}
    return ThreadPlacement.model_validate({**values, **changes})


def in_procedure(*, acknowledge: str | None = None, **changes) -> Episode:
    episode = planned_episode(**changes)
    if acknowledge:
        episode.override(acknowledge, "Discussed; plan avoids the allergen.", "dr-hale", later(5))
    episode.start_procedure(PATIENT, POLICY, "dr-hale", later(10), on=TODAY)
    for item in ChecklistItem:
        if item is not ChecklistItem.TOPICAL_REMOVED:
            episode.tick(ChecklistTick(item=item), later(11), "nurse-ade")
    episode.tick(ChecklistTick(item=ChecklistItem.TOPICAL_REMOVED), later(40), "nurse-ade")
    return episode


def test_the_whole_pathway_from_consultation_to_closure():
    episode = in_procedure()
    status = episode.inject(PATIENT, POLICY, Injection(concentration_percent=1, volume_ml=4, with_adrenaline=True,
                                                       at=later(45), given_by="dr-hale"))
    assert status.total_mg == pytest.approx(40.0)
    first, second = lot(), lot(lot="PDO-2026-B2")
    for thread_lot, side in ((first, Side.LEFT), (second, Side.RIGHT)):
        episode.place_thread(thread_lot, placement(thread_lot, side), later(50), "dr-hale", on=TODAY)
    episode.end_procedure(later(95), "dr-hale")
    assert episode.procedure.duration_minutes == pytest.approx(85)
    episode.observe(ObservationRecord(at=later(120), by="nurse-ade", pulse_bpm=72, pain_score=2))
    follow_ups = episode.discharge_patient(POLICY, ALL_CRITERIA, "2026.1", later(140), "nurse-ade", on=TODAY)
    assert [f.name for f in follow_ups] == ["day-1 call", "1 week", "1 month", "3 months", "6 months", "12 months"]
    assert follow_ups[0].due_on == TODAY + timedelta(days=1) and episode.state is State.DISCHARGED
    episode.add_adverse_event(AdverseEvent(type=EventType.BRUISING, onset_on=TODAY, severity=1, lot_ids=[first.id],
                                           recorded_by="nurse-ade"))
    for index in range(len(follow_ups)):
        episode.complete_follow_up(index, FollowUpStatus.DONE, later(60 * 24 * 400), "dr-hale")
    episode.close(later(60 * 24 * 400), "dr-hale")
    assert [c.to_state for c in episode.history] == [
        State.ASSESSED, State.CONSENTED, State.PLANNED, State.PROCEDURE, State.OBSERVATION, State.DISCHARGED,
        State.FOLLOW_UP, State.CLOSED]


def test_a_dose_over_the_maximum_waits_for_a_second_clinician():
    """PRO-04 is a hard stop: over the maximum needs a reason and a second clinician (clinic.override, the rule
    suitability's blocks use too)."""
    episode = in_procedure()
    big = {"concentration_percent": 1, "volume_ml": 25, "with_adrenaline": False}  # 250 mg plain, UK cap 200
    held = episode.inject(PATIENT, POLICY, Injection(**big, at=later(45), given_by="dr-hale",
                                                     override_reason="Second side needs more; anaesthetist present."))
    assert held.held_for_confirmation is not None and held.total_mg == 0
    assert episode.procedure.injections == []
    with pytest.raises(OverrideRefused, match="you proposed this override of PRO-04; a second clinician"):
        episode.confirm_injection(PATIENT, POLICY, held.held_for_confirmation, "dr-hale", later(46))
    given = episode.confirm_injection(PATIENT, POLICY, held.held_for_confirmation, "dr-osei", later(47))
    assert given.total_mg == 250 and episode.procedure.pending_injections == []
    assert episode.procedure.injections[0].override_confirmed_by == "dr-osei"


def test_no_procedure_without_consent():
    episode = Episode(patient_id=PATIENT.id, opened_at=NOON)
    episode.record_consultation(consultation())
    episode.assess(PATIENT, POLICY, TODAY, NOON, "dr-hale")
    with pytest.raises(InvalidTransition, match="start the procedure"):
        episode.start_procedure(PATIENT, POLICY, "dr-hale", later(5), on=TODAY)


def test_no_consent_before_every_risk_is_discussed():
    episode = Episode(patient_id=PATIENT.id, opened_at=NOON)
    episode.record_consultation(consultation(risks_discussed=[Risk.BRUISING]))
    episode.assess(PATIENT, POLICY, TODAY, NOON, "dr-hale")
    with pytest.raises(ConsentMissing, match="not recorded as discussed"):
        episode.sign_consent(CONSENT_DOCUMENT, typed_name="Adaeze Okafor", signature_png_base64=signature_png(),
                             signed_at=NOON, client_address="10.0.0.7", taken_by="dr-hale")


def test_no_procedure_on_a_deferred_decision():
    episode = planned_episode(history={"pregnant": True})
    with pytest.raises(SuitabilityNotCleared, match="defer"):
        episode.start_procedure(PATIENT, POLICY, "dr-hale", later(10), on=TODAY)


def test_an_unacknowledged_caution_blocks_until_a_clinician_records_a_reason():
    episode = planned_episode(history={"immunosuppressed": True})
    with pytest.raises(SuitabilityNotCleared, match="acknowledgement"):
        episode.start_procedure(PATIENT, POLICY, "dr-hale", later(10), on=TODAY)
    episode.override("SEL-07", "Stable on low-dose therapy; rheumatologist agrees.", "dr-hale", later(5))
    episode.start_procedure(PATIENT, POLICY, "dr-hale", later(10), on=TODAY)


def test_consent_must_be_taken_by_the_performing_practitioner():
    episode = planned_episode()
    with pytest.raises(ConsentMissing, match="SEL-15"):
        episode.start_procedure(PATIENT, POLICY, "dr-osei", later(10), on=TODAY)


def test_cooling_off_period_is_enforced():
    episode = planned_episode()
    with pytest.raises(SuitabilityNotCleared, match="cooling-off"):
        episode.start_procedure(PATIENT, ClinicPolicy.for_jurisdiction("UK", cooling_off_days=7), "dr-hale", later(10),
                                on=TODAY)


def test_an_expired_lot_is_refused():
    episode = in_procedure()
    with pytest.raises(ExpiredLot, match="expired"):
        expired = lot(expiry=TODAY - timedelta(days=1))
        episode.place_thread(expired, placement(expired), later(50), "dr-hale", on=TODAY)


def test_a_thread_of_an_allergenic_polymer_is_refused():
    episode = in_procedure(acknowledge="SEL-09", history={"allergies": [
        Allergy(substance="PDO", kind=AllergyKind.THREAD_POLYMER, material="PDO")]})
    with pytest.raises(ContraindicatedProduct):
        allergenic = lot()
        episode.place_thread(allergenic, placement(allergenic), later(50), "dr-hale", on=TODAY)


def test_no_injection_before_the_last_kit_is_confirmed():
    episode = planned_episode()
    episode.start_procedure(PATIENT, POLICY, "dr-hale", later(10), on=TODAY)
    with pytest.raises(InvalidInput, match="LAST"):
        episode.inject(PATIENT, POLICY, Injection(concentration_percent=1, volume_ml=1, with_adrenaline=True,
                                                  at=later(12), given_by="dr-hale"))


def test_the_procedure_cannot_end_without_asepsis_and_cannot_change_after_it_ends():
    episode = planned_episode()
    episode.start_procedure(PATIENT, POLICY, "dr-hale", later(10), on=TODAY)
    with pytest.raises(InvalidInput, match="PRO-07"):
        episode.end_procedure(later(60), "dr-hale")
    episode = in_procedure()
    episode.end_procedure(later(60), "dr-hale")
    with pytest.raises(InvalidTransition):
        episode.tick(ChecklistTick(item=ChecklistItem.MARKED), later(61), "dr-hale")


def test_no_discharge_before_the_observation_criteria_are_met():
    episode = in_procedure()
    episode.end_procedure(later(60), "dr-hale")
    with pytest.raises(DischargeNotReady, match="no observation"):
        episode.discharge_patient(POLICY, ALL_CRITERIA, "2026.1", later(100), "nurse-ade", on=TODAY)
    episode.observe(ObservationRecord(at=later(70), by="nurse-ade", expanding_swelling=True))
    with pytest.raises(DischargeNotReady, match="expanding swelling"):
        episode.discharge_patient(POLICY, ALL_CRITERIA, "2026.1", later(100), "nurse-ade", on=TODAY)
    episode.observe(ObservationRecord(at=later(85), by="nurse-ade", pulse_bpm=72))
    with pytest.raises(DischargeNotReady, match="observed for 20 minutes"):
        episode.discharge_patient(POLICY, ALL_CRITERIA, "2026.1", later(80), "nurse-ade", on=TODAY)
    with pytest.raises(DischargeNotReady, match="facial nerve screen"):
        episode.discharge_patient(POLICY, {**ALL_CRITERIA, Criterion.FACIAL_NERVE_SCREEN: False}, "2026.1",
                                  later(100), "nurse-ade", on=TODAY)
    episode.discharge_patient(POLICY, ALL_CRITERIA, "2026.1", later(100), "nurse-ade", on=TODAY)


def test_shock_like_pain_adds_a_neurological_review():
    episode = in_procedure()
    episode.record_event(ProcedureEventEntry(kind=EventKind.SHOCK_LIKE_PAIN, note="electric pain at the left jowl"),
                         later(55), "dr-hale")
    episode.end_procedure(later(60), "dr-hale")
    episode.observe(ObservationRecord(at=later(80), by="nurse-ade", pulse_bpm=72))
    follow_ups = episode.discharge_patient(POLICY, ALL_CRITERIA, "2026.1", later(100), "nurse-ade", on=TODAY)
    assert follow_ups[-1].name == "neurological review"


def test_a_started_procedure_cannot_be_cancelled_and_finished_follow_ups_are_locked():
    episode = in_procedure()
    with pytest.raises(InvalidTransition, match="cannot be cancelled"):
        episode.cancel(later(20), "dr-hale", "changed mind")
    episode.end_procedure(later(60), "dr-hale")
    episode.observe(ObservationRecord(at=later(80), by="nurse-ade", pulse_bpm=72))
    episode.discharge_patient(POLICY, ALL_CRITERIA, "2026.1", later(100), "nurse-ade", on=TODAY)
    episode.complete_follow_up(0, FollowUpStatus.DONE, later(1500), "nurse-ade")
    with pytest.raises(RecordLocked):
        episode.complete_follow_up(0, FollowUpStatus.MISSED, later(1600), "nurse-ade")
    with pytest.raises(InvalidTransition, match="still scheduled"):
        episode.close(later(1700), "dr-hale")


def test_an_adverse_event_names_only_lots_used_in_the_episode():
    episode = in_procedure()
    other = lot(lot="OTHER-1")
    with pytest.raises(InvalidInput, match="not used"):
        episode.add_adverse_event(AdverseEvent(type=EventType.INFECTION, onset_on=TODAY, severity=2,
                                               intervention=Intervention.DRUG, lot_ids=[other.id]))


def test_a_thread_is_recorded_as_placed_not_as_planned():
    episode = in_procedure()
    thread_lot = lot()
    used = episode.place_thread(thread_lot, placement(thread_lot, anchored=False, entry_to_exit_mm=82.5,
                                                      planned_thread="L-jawline-1"), later(50), "dr-hale", on=TODAY)
    assert (used.anchored, used.entry_to_exit_mm, used.planned_thread) == (False, 82.5, "L-jawline-1")
    assert (used.lot, used.product, used.by) == (thread_lot.lot, thread_lot.product, "dr-hale")


def test_a_thread_unlike_its_planned_thread_needs_confirming_and_a_planned_thread_is_recorded_once():
    """PRO-01 (issue 14): a planned unidirectional 19G 150 mm thread recorded with a bidirectional 21G 90 mm lot."""
    episode = in_procedure()
    other = lot(lot="PDO-21-90", gauge="21G", length_mm=90.0)
    with pytest.raises(PlanMismatch, match="design barbed bidirectional, planned barbed unidirectional; gauge 21G, "
                                           "planned 19G; length 90 mm, planned 150 mm"):
        episode.place_thread(other, placement(other, planned_thread="R-jawline-1"), later(50), "dr-hale", on=TODAY)
    assert episode.procedure.threads == []
    placed = episode.place_thread(other, placement(other, planned_thread="R-jawline-1",
                                                   confirm_differs_from_plan=True), later(50), "dr-hale", on=TODAY)
    assert len(placed.plan_differences) == 3
    with pytest.raises(InvalidInput, match="T2 is already recorded as placed"):
        episode.place_thread(other, placement(other, planned_thread="R-jawline-1", confirm_differs_from_plan=True),
                             later(51), "dr-hale", on=TODAY)
    with pytest.raises(InvalidInput, match="the plan has no thread"):
        episode.place_thread(other, placement(other, planned_thread="L-brow-9"), later(51), "dr-hale", on=TODAY)


def test_the_consent_is_signed_under_the_patients_name_or_by_a_stated_representative():
    def sign(typed_name: str, relationship: str | None = None):  # type: ignore[no-untyped-def]
        episode = Episode(patient_id=PATIENT.id, opened_at=NOON - timedelta(days=1))
        episode.record_consultation(consultation())
        episode.assess(PATIENT, POLICY, TODAY, NOON, "dr-hale")
        return episode.sign_consent(CONSENT_DOCUMENT, typed_name=typed_name, signature_png_base64=signature_png(),
                                    signed_at=NOON, client_address="10.0.0.7", taken_by="dr-hale", patient=PATIENT,
                                    representative_relationship=relationship)

    with pytest.raises(InvalidInput, match="is not the patient's") as refused:
        sign("Somebody Else")
    assert refused.value.rule == "consent_signer"
    assert sign("okafor,  ADAEZE N.").verify()  # order, case, a middle initial
    signed = sign("Chidi Okafor", relationship="legal guardian")
    assert signed.representative_relationship == "legal guardian" and signed.verify()


def test_a_placement_must_say_whether_the_thread_was_anchored():
    thread_lot = lot()
    with pytest.raises(ValidationError, match="anchored"):
        ThreadPlacement.model_validate({"lot_id": thread_lot.id, "area": "jawline", "side": "left", "vector": "a -> b"})


def test_a_coned_thread_without_its_entry_to_exit_length_is_refused():
    episode = in_procedure()
    coned = lot(design=Design.CONED, cones=8)
    with pytest.raises(InvalidInput, match="record the entry-to-exit length") as refused:
        episode.place_thread(coned, placement(coned), later(50), "dr-hale", on=TODAY)
    assert refused.value.rule == "PRO-02"
    with pytest.raises(InvalidInput, match="too short"):
        episode.place_thread(coned, placement(coned, entry_to_exit_mm=55), later(50), "dr-hale", on=TODAY)
    placed = episode.place_thread(coned, placement(coned, entry_to_exit_mm=64), later(50), "dr-hale", on=TODAY)
    assert placed.entry_to_exit_mm == 64 and episode.procedure.threads == [placed]


def test_grams_of_cream_go_only_with_the_topical_anaesthetic():
    with pytest.raises(ValidationError, match="grams"):
        ChecklistTick(item=ChecklistItem.CLEANED, amount_g=2)
    with pytest.raises(ValidationError):
        ChecklistTick(item=ChecklistItem.TOPICAL_APPLIED, amount_g=31)
    assert ChecklistTick(item=ChecklistItem.TOPICAL_APPLIED, amount_g=2).amount_g == 2


def test_a_blank_observation_is_not_recorded():
    episode = in_procedure()
    episode.end_procedure(later(60), "dr-hale")
    with pytest.raises(InvalidInput, match="nothing was filled in"):
        episode.observe(ObservationRecord(at=later(70), by="nurse-ade"))
    episode.observe(ObservationRecord(at=later(70), by="nurse-ade", active_bleeding=True))
    assert len(episode.observations) == 1


def test_an_entry_entered_in_error_stays_on_the_record_and_no_longer_counts():
    from threadlift.clinic.corrections import EntryKind, ErrorEntry

    episode = in_procedure()
    thread_lot = lot()
    episode.place_thread(thread_lot, placement(thread_lot, planned_thread="L-jawline-1"), later(50), "dr-hale",
                         on=TODAY)
    wrong = ErrorEntry(kind=EntryKind.THREAD, index=0, reason="Recorded on the wrong patient's chart")
    episode.mark_entered_in_error(wrong, "dr-hale", later(52))
    assert len(episode.procedure.threads) == 1 and episode.placed_threads() == []
    # the planned thread may now be recorded as it was placed
    episode.place_thread(thread_lot, placement(thread_lot, planned_thread="L-jawline-1"), later(53), "dr-hale",
                         on=TODAY)
    with pytest.raises(InvalidInput, match="already marked"):
        episode.mark_entered_in_error(wrong, "dr-osei", later(54))
    with pytest.raises(ValidationError, match="at least 10 characters"):
        ErrorEntry(kind=EntryKind.INJECTION, index=0, reason="oops")
    episode.end_procedure(later(60), "dr-hale")  # signed: a correction is still appended, the original kept
    episode.mark_entered_in_error(ErrorEntry(kind=EntryKind.THREAD, index=1, reason="Duplicate of T1 on the chart"),
                                  "dr-hale", later(61))
    assert [e.index for e in episode.entered_in_error] == [0, 1] and len(episode.procedure.threads) == 2


def test_an_adverse_event_is_updated_to_resolved_with_its_outcome():
    from threadlift.clinic.adverse import EventProgress, Outcome

    episode = in_procedure()
    episode.add_adverse_event(AdverseEvent(type=EventType.BRUISING, onset_on=TODAY, severity=1, recorded_by="n"))
    with pytest.raises(InvalidInput):  # resolved needs its day
        episode.update_adverse_event(0, EventProgress(outcome=Outcome.RESOLVED))
    with pytest.raises(InvalidInput):
        episode.update_adverse_event(0, EventProgress(outcome=Outcome.RESOLVED, resolved_on=TODAY - timedelta(1)))
    done = episode.update_adverse_event(0, EventProgress(outcome=Outcome.RESOLVED, resolved_on=TODAY + timedelta(9),
                                                         treatment="cold compresses"))
    assert (done.outcome, done.resolved_on, done.treatment) == (Outcome.RESOLVED, TODAY + timedelta(9),
                                                                "cold compresses")
    assert episode.adverse_events[0].id == done.id and done.recorded_by == "n"


def test_discharge_refusals_read_as_words():
    """Issue 14: "1 minutes" and raw codes ("facial_nerve_screen_symmetric") in what a clinician reads."""
    from threadlift.clinic.discharge import discharge_problems

    problems = discharge_problems(NOON, [], {}, NOON + timedelta(minutes=1, seconds=20), POLICY)
    assert problems[0].startswith("observed for 1 minute;") and "facial nerve screen symmetric" in problems[-1]


def test_an_injection_recorded_afterwards_keeps_when_it_was_given_beside_when_it_was_entered():
    episode = in_procedure()  # started at later(10)
    given = dict(concentration_percent=1, volume_ml=2, with_adrenaline=True, given_by="dr-hale", at=later(45))
    with pytest.raises(InvalidInput, match="later than now"):
        episode.inject(PATIENT, POLICY, Injection(**given, given_at=later(46)))
    with pytest.raises(InvalidInput, match="before the procedure began"):
        episode.inject(PATIENT, POLICY, Injection(**given, given_at=later(5)))
    episode.inject(PATIENT, POLICY, Injection(**given, given_at=later(30)))
    [recorded] = episode.procedure.injections
    assert (recorded.happened_at, recorded.at) == (later(30), later(45))


def test_a_signed_amendment_is_appended_beside_the_original_also_after_signing():
    """Issue 14 item 3: amendments of clinical entries, the original kept, also once the record is locked."""
    from threadlift.clinic.corrections import AmendedField, AmendmentEntry, EntryKind, ErrorEntry

    def amendment(field: AmendedField, value: str, index: int = 0) -> AmendmentEntry:
        return AmendmentEntry(field=field, index=index, value=value, reason="Dictated note corrected after review")

    episode = Episode(patient_id=PATIENT.id, opened_at=NOON - timedelta(days=1))
    episode.record_consultation(consultation(history={"conditions": ["asthma"]}))
    with pytest.raises(InvalidInput, match="can still be edited"):  # while it may change, it is edited instead
        episode.amend(amendment(AmendedField.CONDITIONS, "asthma, hypothyroidism"), "dr-hale", later(1))
    episode = in_procedure(history={"conditions": ["asthma"]})
    episode.record_event(ProcedureEventEntry(kind=EventKind.SHOCK_LIKE_PAIN, note="left jawlin"), later(45),
                         "nurse-ade")
    episode.end_procedure(later(60), "dr-hale")  # signed and locked
    first = episode.amend(amendment(AmendedField.CONDITIONS, "asthma, hypothyroidism"), "dr-hale", later(61))
    assert (first.original, first.value, first.by) == ("asthma", "asthma, hypothyroidism", "dr-hale")
    episode.amend(amendment(AmendedField.CONDITIONS, "asthma, hypothyroidism (on levothyroxine)"), "dr-osei",
                  later(62))
    assert [a.original for a in episode.amendments_of("conditions")] == ["asthma", "asthma, hypothyroidism"]
    assert episode.current_text("conditions") == "asthma, hypothyroidism (on levothyroxine)"
    assert episode.consultation.history.conditions == ["asthma"]  # the original entry itself is never rewritten
    note = episode.amend(amendment(AmendedField.PROCEDURE_NOTE, "left jawline, second pass"), "dr-hale", later(63))
    assert note.original == "left jawlin" and episode.procedure.events[0].note == "left jawlin"
    with pytest.raises(InvalidInput, match="same as"):
        episode.amend(amendment(AmendedField.PROCEDURE_NOTE, "left jawline, second pass"), "dr-hale", later(64))
    with pytest.raises(NotFound, match="no entry number 2"):
        episode.amend(amendment(AmendedField.PROCEDURE_NOTE, "another", index=1), "dr-hale", later(64))
    episode.observe(ObservationRecord(at=later(70), by="nurse-ade", pulse_bpm=72, note="calm"))
    episode.mark_entered_in_error(ErrorEntry(kind=EntryKind.OBSERVATION, index=0, reason="Another patient's pulse"),
                                  "nurse-ade", later(71))
    with pytest.raises(InvalidInput, match="entered in error"):
        episode.amend(amendment(AmendedField.OBSERVATION_NOTE, "anxious"), "nurse-ade", later(72))
    with pytest.raises(ValidationError, match="at least 10 characters"):
        AmendmentEntry(field=AmendedField.EXPECTATIONS, value="x", reason="typo")
    with pytest.raises(ValidationError):
        AmendmentEntry(field=AmendedField.EXPECTATIONS, index=10_001, value="x", reason="Long enough reason")


def test_a_thread_recorded_afterwards_keeps_when_it_was_placed_beside_when_it_was_entered():
    episode = in_procedure()  # started at later(10)
    thread_lot = lot()
    with pytest.raises(InvalidInput, match="later than now"):
        episode.place_thread(thread_lot, placement(thread_lot, placed_at=later(51)), later(50), "dr-hale", on=TODAY)
    with pytest.raises(InvalidInput, match="before the procedure began"):
        episode.place_thread(thread_lot, placement(thread_lot, placed_at=later(9)), later(50), "dr-hale", on=TODAY)
    assert episode.procedure.threads == []
    placed = episode.place_thread(thread_lot, placement(thread_lot, placed_at=later(30)), later(50), "dr-hale",
                                  on=TODAY)
    now = episode.place_thread(thread_lot, placement(thread_lot, Side.RIGHT), later(52), "dr-hale", on=TODAY)
    assert (placed.happened_at, placed.at, now.happened_at) == (later(30), later(50), later(52))


def test_a_consent_or_a_consultation_entered_in_error_no_longer_counts():
    from threadlift.clinic.consent import PhotoConsent, PhotoScope, photo_consent_refusal
    from threadlift.clinic.corrections import EntryKind, ErrorEntry

    episode = Episode(patient_id=PATIENT.id, opened_at=NOON - timedelta(days=1))
    episode.record_consultation(consultation())
    with pytest.raises(InvalidInput, match="can still be edited"):
        episode.mark_entered_in_error(ErrorEntry(kind=EntryKind.CONSULTATION, index=0, reason="Wrong patient's "
                                                 "history"), "dr-hale", later(1))
    episode = planned_episode()
    with pytest.raises(NotFound):
        episode.mark_entered_in_error(ErrorEntry(kind=EntryKind.CONSENT, index=1, reason="Signed by someone else"),
                                      "dr-hale", later(1))
    episode.mark_entered_in_error(ErrorEntry(kind=EntryKind.CONSENT, index=0, reason="Signed by someone else"),
                                  "dr-hale", later(1))
    with pytest.raises(ConsentMissing, match=r"signed consent was marked as entered in error \(Signed by someone "
                                             r"else\) and no longer counts\. Cancel this episode"):
        episode.start_procedure(PATIENT, POLICY, "dr-hale", later(10), on=TODAY)
    assert episode.consent is not None and episode.state is State.PLANNED  # kept on the record
    assessed = Episode(patient_id=PATIENT.id, opened_at=NOON - timedelta(days=1))
    assessed.record_consultation(consultation())
    assessed.assess(PATIENT, POLICY, TODAY, NOON, "dr-hale")
    assessed.mark_entered_in_error(ErrorEntry(kind=EntryKind.CONSULTATION, index=0, reason="Another patient's "
                                              "history"), "dr-hale", later(1))
    with pytest.raises(ConsentMissing, match="consultation was marked as entered in error"):
        assessed.sign_consent(CONSENT_DOCUMENT, typed_name="Adaeze Okafor", signature_png_base64=signature_png(),
                              signed_at=NOON, client_address="10.0.0.7", taken_by="dr-hale")
    photos = PhotoConsent(scopes=frozenset({PhotoScope.CLINICAL_RECORD}), given_at=NOON, recorded_by="kim")
    wrong = photos.mark_entered_in_error(at=later(1), by="kim", reason="Ticked for the wrong patient")
    assert photos.allows(PhotoScope.CLINICAL_RECORD, later(2)) and not wrong.allows(PhotoScope.CLINICAL_RECORD,
                                                                                    later(2))
    assert "marked as entered in error (Ticked for the wrong patient)" in photo_consent_refusal(
        [wrong], PhotoScope.CLINICAL_RECORD, later(2))
    with pytest.raises(InvalidInput, match="already marked"):
        wrong.mark_entered_in_error(at=later(3), by="kim", reason="Ticked for the wrong patient")


def test_a_thread_recorded_in_error_names_no_lot_for_an_adverse_event_and_the_plan_note_is_amended_once_locked():
    from threadlift.clinic.corrections import AmendedField, AmendmentEntry, EntryKind, ErrorEntry

    episode = planned_episode()
    note = AmendmentEntry(field=AmendedField.PLAN_NOTE, value="2 barbed PDO per side, 19G", reason="Gauge left out "
                          "of the note")
    with pytest.raises(InvalidInput, match="plan can still be changed"):
        episode.amend(note, "dr-hale", later(1))
    episode.start_procedure(PATIENT, POLICY, "dr-hale", later(10), on=TODAY)
    assert episode.amend(note, "dr-hale", later(11)).original == "2 barbed PDO per side"
    for item in ChecklistItem:
        if item is not ChecklistItem.TOPICAL_REMOVED:
            episode.tick(ChecklistTick(item=item), later(11), "nurse-ade")
    wrong_lot = lot(lot="PDO-WRONG-1")
    episode.place_thread(wrong_lot, placement(wrong_lot), later(20), "dr-hale", on=TODAY)
    episode.mark_entered_in_error(ErrorEntry(kind=EntryKind.THREAD, index=0, reason="Scanned the wrong packet"),
                                  "dr-hale", later(21))
    with pytest.raises(InvalidInput, match="not used in this episode"):
        episode.add_adverse_event(AdverseEvent(type=EventType.BRUISING, onset_on=TODAY, severity=1, recorded_by="n",
                                               lot_ids=[wrong_lot.id]))


def test_a_consultation_entered_in_error_is_no_longer_amended():
    from threadlift.clinic.corrections import AmendedField, AmendmentEntry, EntryKind, ErrorEntry

    episode = planned_episode()
    episode.mark_entered_in_error(ErrorEntry(kind=EntryKind.CONSULTATION, index=0, reason="Another patient's "
                                             "consultation"), "dr-hale", later(1))
    with pytest.raises(InvalidInput, match="marked as entered in error"):
        episode.amend(AmendmentEntry(field=AmendedField.EXAMINATION_NOTE, index=1, value="midface grade 3",
                                     reason="Grade noted wrongly"), "dr-hale", later(2))
