"""Each rule of thread-lift-clinical.md §8.1, named after the rule it checks."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.helpers.clinic import TODAY, consultation, patient
from threadlift.clinic.consultation import (
    Allergy,
    AllergyKind,
    AreaOfConcern,
    BddqAs,
    Medicine,
    MedicineClass,
    RecentTreatment,
    RecentTreatmentKind,
    TreatmentArea,
)
from threadlift.clinic.errors import OverrideRefused
from threadlift.clinic.policy import ClinicPolicy, Jurisdiction
from threadlift.clinic.suitability import (
    Decision,
    Level,
    add_override,
    assess,
    clearance_problems,
    effective_decision,
)

POLICY = ClinicPolicy.for_jurisdiction(Jurisdiction.UK)
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def rules(result) -> set[str]:
    return {f.rule for f in result.findings}


def test_a_healthy_candidate_is_suitable():
    result = assess(patient(), consultation(), POLICY, TODAY)
    assert result.decision is Decision.SUITABLE and result.findings == []


def test_sel_01_under_the_minimum_age_is_not_suitable():
    young = patient(date_of_birth=date(2009, 1, 1))
    result = assess(young, consultation(), POLICY, TODAY)
    assert result.decision is Decision.NOT_SUITABLE and "SEL-01" in rules(result)
    assert "under 18" in result.finding("SEL-01").text


def test_sel_01_minimum_age_is_a_setting():
    result = assess(patient(date_of_birth=date(2007, 1, 1)), consultation(), POLICY.model_copy(
        update={"minimum_age_years": 21}), TODAY)
    assert "SEL-01" in rules(result)


@pytest.mark.parametrize("flag", ["pregnant", "breastfeeding"])
def test_sel_02_pregnancy_or_breastfeeding_defers(flag):
    result = assess(patient(), consultation(history={flag: True}), POLICY, TODAY)
    assert result.decision is Decision.DEFER and result.finding("SEL-02").level is Level.BLOCK


def test_sel_03_active_infection_defers():
    result = assess(patient(), consultation(history={"active_skin_infection_in_area": True}), POLICY, TODAY)
    assert result.decision is Decision.DEFER


def test_sel_04_cold_sores_with_a_perioral_plan_prompts_prophylaxis():
    result = assess(patient(), consultation(history={"cold_sores_history": True}), POLICY, TODAY)
    assert result.finding("SEL-04").level is Level.ADVICE and result.decision is Decision.SUITABLE
    brow_only = consultation(history={"cold_sores_history": True},
                             areas_of_concern=[AreaOfConcern(area=TreatmentArea.BROW, grade=2)])
    assert "SEL-04" not in rules(assess(patient(), brow_only, POLICY, TODAY))


def test_sel_05_bleeding_disorder_is_not_suitable():
    result = assess(patient(), consultation(history={"bleeding_disorder": True}), POLICY, TODAY)
    assert result.decision is Decision.NOT_SUITABLE


def test_sel_06_prescribed_anticoagulant_needs_prescriber_advice_and_is_never_stopped():
    warfarin = Medicine(name="warfarin", medicine_class=MedicineClass.ANTICOAGULANT, prescribed=True)
    result = assess(patient(), consultation(history={"medicines": [warfarin]}), POLICY, TODAY)
    finding = result.finding("SEL-06")
    assert finding.level is Level.CAUTION and finding.needs_acknowledgement
    assert "Never tell the patient to stop" in finding.text


def test_sel_06_supplements_get_a_configurable_stop_window():
    fish_oil = Medicine(name="fish oil", medicine_class=MedicineClass.SUPPLEMENT_BLOOD_THINNING, prescribed=False)
    policy = POLICY.model_copy(update={"blood_thinner_stop_days": 10})
    result = assess(patient(), consultation(history={"medicines": [fish_oil]}), policy, TODAY)
    assert result.finding("SEL-06").level is Level.ADVICE and "10 days" in result.finding("SEL-06").text


@pytest.mark.parametrize("history", [{"immunosuppressed": True}, {"autoimmune_or_connective_tissue_disease": True},
                                     {"diabetes": "uncontrolled"}, {"active_cancer": True}])
def test_sel_07_systemic_conditions_need_a_justification(history):
    result = assess(patient(), consultation(history=history), POLICY, TODAY)
    assert result.decision is Decision.SUITABLE_WITH_CAUTIONS and result.finding("SEL-07").needs_acknowledgement


def test_sel_08_keloid_tendency_is_a_caution():
    result = assess(patient(), consultation(history={"keloid_or_hypertrophic_scarring": True}), POLICY, TODAY)
    assert result.finding("SEL-08").level is Level.CAUTION


def test_sel_09_allergies_are_flagged_for_the_procedure_record():
    allergies = [Allergy(substance="lidocaine", kind=AllergyKind.AMIDE_LOCAL_ANAESTHETIC),
                 Allergy(substance="polydioxanone", kind=AllergyKind.THREAD_POLYMER, material="PDO")]
    result = assess(patient(), consultation(history={"allergies": allergies}), POLICY, TODAY)
    assert [f.rule for f in result.findings] == ["SEL-09", "SEL-09"]


def test_sel_10_permanent_filler_is_a_caution():
    result = assess(patient(), consultation(history={"permanent_filler_in_area": True}), POLICY, TODAY)
    assert result.finding("SEL-10").level is Level.CAUTION


def test_sel_11_severe_laxity_refers_for_a_surgical_opinion():
    for changes in ({"laxity_grade": 3.5}, {"heavy_lower_face": True},
                    {"areas_of_concern": [AreaOfConcern(area=TreatmentArea.JAWLINE, grade=4)]}):
        result = assess(patient(), consultation(**changes), POLICY, TODAY)
        assert result.decision is Decision.REFER_SURGICAL, changes


def test_sel_12_over_fifty_gets_counselling_text():
    result = assess(patient(date_of_birth=date(1970, 1, 1)), consultation(), POLICY, TODAY)
    assert "16% vs 5.6%" in result.finding("SEL-12").text and result.decision is Decision.SUITABLE


def test_sel_14_positive_body_dysmorphia_screen_needs_review():
    positive = BddqAs(concerned_about_appearance=True, preoccupied=True, distress=4, social_impairment=2,
                      work_or_study_impairment=1, avoidance=1, appearance_main_concern_not_weight=False)
    assert positive.positive
    result = assess(patient(), consultation(bdd_screen=positive), POLICY, TODAY)
    assert result.finding("SEL-14").needs_acknowledgement


def test_sel_16_recent_filler_defers_until_the_interval_has_passed():
    filler = RecentTreatment(kind=RecentTreatmentKind.FILLER, on=TODAY - timedelta(days=5))
    result = assess(patient(), consultation(history={"recent_treatments": [filler]}), POLICY, TODAY)
    assert result.decision is Decision.DEFER
    assert result.finding("SEL-16").until == TODAY + timedelta(days=9)
    shorter = POLICY.model_copy(update={"treatment_intervals_days": {**POLICY.treatment_intervals_days, "filler": 3}})
    recent = consultation(history={"recent_treatments": [filler]})
    assert "SEL-16" not in rules(assess(patient(), recent, shorter, TODAY))


def test_sel_17_facial_palsy_is_advice():
    result = assess(patient(), consultation(history={"facial_palsy": True}), POLICY, TODAY)
    assert result.finding("SEL-17").level is Level.ADVICE


def test_a_caution_is_overridden_by_one_clinician_with_a_reason():
    result = assess(patient(), consultation(history={"immunosuppressed": True}), POLICY, TODAY)
    assert clearance_problems(result, []) != []
    overrides = add_override(result, [], rule="SEL-07", reason="Stable on low-dose therapy; rheumatologist agrees.",
                             clinician_id="dr-hale", at=AT)
    assert clearance_problems(result, overrides) == []
    assert effective_decision(result, overrides) is Decision.SUITABLE


def test_a_block_needs_a_second_clinician():
    result = assess(patient(), consultation(history={"bleeding_disorder": True}), POLICY, TODAY)
    overrides = add_override(result, [], rule="SEL-05", reason="Haematologist cleared: mild von Willebrand, treated.",
                             clinician_id="dr-hale", at=AT)
    assert effective_decision(result, overrides) is Decision.NOT_SUITABLE
    with pytest.raises(OverrideRefused, match="you proposed this override of SEL-05; a second clinician") as refused:
        add_override(result, overrides, rule="SEL-05", reason="Same person again, confirming.", clinician_id="dr-hale",
                     at=AT)
    assert "dr-hale" not in str(refused.value)  # the refusal names no user id
    confirmed = add_override(result, overrides, rule="SEL-05", reason="Agree with the haematology clearance.",
                             clinician_id="dr-osei", at=AT)
    assert effective_decision(result, confirmed) is Decision.SUITABLE


def test_overriding_a_rule_that_did_not_fire_is_refused():
    result = assess(patient(), consultation(), POLICY, TODAY)
    with pytest.raises(OverrideRefused):
        add_override(result, [], rule="SEL-05", reason="no reason at all here", clinician_id="dr-hale", at=AT)
