"""PRO-04: the local-anaesthetic running total against the patient's maximum."""

import pytest
from pydantic import ValidationError

from tests.helpers.clinic import NOON, patient
from threadlift.clinic.anaesthetic import Injection, InjectionEntry, check_injection, maximum_mg, status
from threadlift.clinic.errors import ContraindicatedProduct, DoseExceeded, InvalidInput
from threadlift.clinic.patient import Sex
from threadlift.clinic.policy import ClinicPolicy, Jurisdiction, Preparation

US = ClinicPolicy.for_jurisdiction(Jurisdiction.US)
UK = ClinicPolicy.for_jurisdiction(Jurisdiction.UK)


def shot(ml: float, adrenaline: bool, percent: float = 1.0, reason: str | None = None) -> Injection:
    return Injection(concentration_percent=percent, volume_ml=ml, with_adrenaline=adrenaline, at=NOON,
                     given_by="dr-hale", override_reason=reason)


def test_one_percent_is_ten_mg_per_ml():
    assert shot(0.5, True).mg == pytest.approx(5.0)
    assert shot(2.0, False, percent=2.0).mg == pytest.approx(40.0)


@pytest.mark.parametrize("policy, preparation, weight, expected", [
    (US, Preparation.PLAIN, 60, 270.0), (US, Preparation.PLAIN, 80, 300.0), (UK, Preparation.PLAIN, 60, 200.0),
    (UK, Preparation.WITH_ADRENALINE, 60, 420.0), (US, Preparation.WITH_ADRENALINE, 90, 500.0)])
def test_maximum_dose_by_weight_and_jurisdiction(policy, preparation, weight, expected):
    # The worked example of thread-lift-clinical.md §4.2: 60 kg -> 270 mg (US) or 200 mg (UK) plain; 420 mg with
    # adrenaline.
    assert maximum_mg(patient(weight_kg=weight, height_cm=190), policy, preparation) == pytest.approx(expected)


def test_ideal_body_weight_is_used_when_entered():
    heavy = patient(weight_kg=110, height_cm=165, dosing_weight_kg=60)
    assert maximum_mg(heavy, US, Preparation.PLAIN) == pytest.approx(270.0)
    above = status(patient(weight_kg=110, height_cm=165, dosing_weight_kg=80), US, [])
    assert "above the ideal body weight (56.9 kg)" in (above.warning or "")


def test_an_obese_patients_maximum_uses_the_ideal_body_weight_worked_out_from_height_and_sex():
    """PRO-04 [BNF-LIDO]: ideal, not actual, body weight when obese (BMI 30+); Devine: 45.5 kg (women) or
    50 kg (men) + 2.3 kg per inch over 5 ft."""
    woman = status(patient(weight_kg=110, height_cm=165), US, [])  # BMI 40
    assert woman.dosing_weight_kg == pytest.approx(56.9) and woman.ideal_body_weight_kg == pytest.approx(56.9)
    assert woman.max_plain_mg == pytest.approx(4.5 * 56.9) and "[BNF-LIDO]" in woman.dosing_weight_basis
    man = status(patient(weight_kg=110, height_cm=165, sex=Sex.MALE), US, [])
    assert man.dosing_weight_kg == pytest.approx(61.4)
    lean = status(patient(weight_kg=64, height_cm=165), US, [])  # BMI 23.5: actual weight
    assert lean.dosing_weight_kg == 64 and lean.ideal_body_weight_kg is None


def test_the_refusal_says_how_much_may_still_be_given():
    given = [shot(15.0, False)]  # 150 mg of plain lidocaine, UK cap 200 mg
    with pytest.raises(DoseExceeded, match=r"at most 50 mg more lidocaine plain may be given \(5.0 mL of 1%\)"):
        check_injection(patient(), UK, given, shot(6.0, False), amide_allergy=False)
    assert status(patient(), UK, given).remaining_plain_mg == pytest.approx(50)


def test_an_override_reason_needs_ten_characters():
    with pytest.raises(ValidationError, match="at least 10 characters"):
        InjectionEntry(concentration_percent=1, volume_ml=6, with_adrenaline=False, override_reason="ok")


def test_a_dose_over_the_cap_is_refused_unless_overridden_with_a_reason():
    given = [shot(15.0, False)]  # 150 mg of plain lidocaine, UK cap 200 mg
    with pytest.raises(DoseExceeded, match="reason of at least 10 characters"):
        check_injection(patient(), UK, given, shot(6.0, False), amide_allergy=False)
    after = check_injection(patient(), UK, given, shot(6.0, False, reason="Anaesthetist present, extra area added."),
                            amide_allergy=False)
    assert after.fraction_of_maximum > 1.0


def test_eighty_percent_warns():
    after = check_injection(patient(), UK, [], shot(17.0, False), amide_allergy=False)
    assert after.warning == "85% of the maximum dose"


def test_mixed_preparations_count_as_fractions_of_their_own_maximum():
    # 100 mg plain of 200 (UK) + 224 mg with adrenaline of 448 (64 kg x 7) = 1.0.
    result = status(patient(), UK, [shot(10.0, False), shot(22.4, True)])
    assert result.fraction_of_maximum == pytest.approx(1.0)


def test_amide_allergy_refuses_lidocaine():
    with pytest.raises(ContraindicatedProduct):
        check_injection(patient(), UK, [], shot(1.0, True), amide_allergy=True)


def test_no_weight_no_dose():
    with pytest.raises(InvalidInput, match="weight"):
        status(patient(weight_kg=None), UK, [shot(1.0, True)])


def test_topical_cream_is_noted_beside_the_injected_total_not_counted_in_it():
    """PRO-04: 2 g of lidocaine 2.5%/prilocaine 2.5% cream is 50 mg of each [EMLA-SMPC]."""
    with_cream = status(patient(), UK, [shot(10.0, False)], topical_g=2.0)
    without = status(patient(), UK, [shot(10.0, False)])
    assert with_cream.total_mg == without.total_mg == 100
    assert with_cream.fraction_of_maximum == without.fraction_of_maximum
    assert with_cream.topical_note is not None and "50 mg lidocaine, 50 mg prilocaine" in with_cream.topical_note
    assert "more than" not in with_cream.topical_note and without.topical_note is None
    assert "more than the 2 g usual" in (status(patient(), UK, [], topical_g=5.0).topical_note or "")
    after = check_injection(patient(), UK, [], shot(1.0, True), amide_allergy=False, topical_g=1.2)
    assert after.total_mg == 10 and "30 mg lidocaine" in (after.topical_note or "")
