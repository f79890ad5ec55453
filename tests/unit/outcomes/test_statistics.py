"""The outcome statistics against hand-checkable cases: a textbook Kaplan-Meier table, published exact
binomial intervals, and small clinics whose rates can be counted on the fingers."""

from __future__ import annotations

import pytest

from threadlift.outcomes import (
    Complication,
    EffectFollowUp,
    GaisScore,
    LiftReading,
    OutcomeSettings,
    ProcedureDone,
    ThreadPlaced,
    clopper_pearson,
    complication_rates,
    durability,
    gais_distribution,
    grade_counts,
    kaplan_meier,
    reported_effect,
)

# Freireich et al. 1963, 6-MP arm (remission weeks; + censored), as tabulated by Kleinbaum & Klein,
# Survival Analysis: A Self-Learning Text, ch. 2: S(6)=0.857, S(7)=0.807, S(10)=0.753, S(13)=0.690,
# S(16)=0.627, S(22)=0.538, S(23)=0.448; median 23 weeks.
SIX_MP_EVENTS = [6, 6, 6, 7, 10, 13, 16, 22, 23]
SIX_MP_CENSORED = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]


def test_kaplan_meier_matches_the_textbook_table():
    survival = kaplan_meier(SIX_MP_EVENTS + SIX_MP_CENSORED,
                            [True] * len(SIX_MP_EVENTS) + [False] * len(SIX_MP_CENSORED))
    at = {p.day: p for p in survival.points}
    expected = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    assert {day: round(at[day].surviving, 3) for day in expected} == expected
    assert at[0].surviving == 1.0 and at[6].at_risk == 21 and at[7].at_risk == 17
    assert survival.median_days == 23.0
    assert (survival.subjects, survival.events, survival.censored) == (21, 9, 12)
    assert all(p.lower <= p.surviving <= p.upper for p in survival.points)
    # The median's interval: where the pointwise band crosses one half (lower bound 13 weeks; the upper band
    # never falls to one half, so the upper limit is not reached).
    assert survival.median_lower_days == 13.0 and survival.median_upper_days is None


def test_clopper_pearson_matches_published_exact_intervals():
    # Exact 95% intervals: 5/10 -> 0.1871-0.8129; 0/10 -> 0-0.3085 (1 - 0.025^(1/10)); 10/10 -> 0.6915-1;
    # 1/20 -> 0.0013-0.2487 (Clopper & Pearson 1934; standard tables).
    cases = {(5, 10): (0.1871, 0.8129), (0, 10): (0.0, 0.3085), (10, 10): (0.6915, 1.0), (1, 20): (0.0013, 0.2487)}
    for (k, n), (low, high) in cases.items():
        interval = clopper_pearson(k, n)
        assert (round(interval.low, 4), round(interval.high, 4)) == (low, high), (k, n)
    with pytest.raises(ValueError):
        clopper_pearson(3, 2)


def _reading(n: int, day: int, lift: float, area: str = "midface", design: str = "barbed_bidirectional",
             material: str = "PDO") -> LiftReading:
    return LiftReading(f"p{n}", f"e{n}", area, day, lift, 0.5, (design,), (material,))


def test_a_lift_is_lost_at_the_first_visit_below_the_threshold_and_censored_when_follow_up_ends():
    readings = []
    for n in range(10):  # 10 patients: 5 lose the lift at 6 months, 5 keep it and were last seen at 3 months
        readings += [_reading(n, 30, 2.5), _reading(n, 91, 1.8)]
        if n < 5:
            readings.append(_reading(n, 182, 0.4))
    figures = {f.label: f for f in durability(readings, OutcomeSettings(threshold_mm=1.0, min_patients=10))}
    assert set(figures) == {"midface", "midface, design barbed_bidirectional", "midface, material PDO"}
    midface = figures["midface"]
    assert midface.basis.patients == 10 and midface.basis.shown and midface.survival is not None
    # 10 at risk up to day 91, where 5 are censored; 5 left at day 182, all lost: S = 0 after day 182.
    assert [(p.day, round(p.surviving, 3)) for p in midface.survival.points] == [(0, 1.0), (91, 1.0), (182, 0.0)]
    assert midface.survival.median_days == 182.0 and midface.survival.events == 5
    lower = durability(readings, OutcomeSettings(threshold_mm=2.0, min_patients=10))[0]
    assert lower.survival is not None and lower.survival.median_days == 91.0  # 1.8 mm < 2 mm at 3 months


def test_a_curve_on_too_few_patients_is_withheld_with_the_reason():
    readings = [_reading(n, 30, 2.0) for n in range(9)] + [_reading(0, 91, 0.2)]
    figure = durability(readings, OutcomeSettings())[0]
    assert figure.survival is None and figure.basis.patients == 9
    assert figure.basis.withheld == "withheld: 9 patients, fewer than the minimum of 10 for a figure"
    never = durability([_reading(n, 30, 0.5) for n in range(3)], OutcomeSettings(min_patients=3))[0]
    assert never.never_reached == 3 and never.survival is not None and never.survival.median_days == 30.0


def test_patient_reported_effect_out_03():
    reports = [EffectFollowUp(f"p{n}", f"e{n}", 91, False, 70) for n in range(5)]
    reports += [EffectFollowUp(f"p{n}", f"e{n}", 182, True) for n in range(5, 8)]
    reports.append(EffectFollowUp("p7", "e7", 91, True))  # an earlier visit: censored at the last one
    figure = reported_effect(reports, OutcomeSettings(min_patients=8))
    assert figure.survival is not None and figure.basis.patients == 8
    # 5 of 8 lost at 70 days: S(70) = 3/8, below one half, so the median is 70 days.
    assert figure.survival.median_days == 70.0 and figure.survival.events == 5
    assert [p.day for p in figure.survival.points] == [0, 70, 182]


def _procedure(n: int, clinician: str, *threads: tuple[str, str, str, str]) -> ProcedureDone:
    return ProcedureDone(f"p{n}", f"e{n}", clinician, tuple(ThreadPlaced(*t) for t in threads))


def test_complication_rates_per_100_with_exact_intervals_and_grades():
    pdo = ("midface", "barbed_bidirectional", "PDO", "L1")
    pcl = ("jawline", "mono", "PCL", "L2")
    procedures = [_procedure(n, "Dr Hale" if n < 6 else "Dr Osei", pdo, pcl) for n in range(12)]
    complications = [
        Complication("p0", "e0", "infection", "II", "midface", ("L1",)),  # PDO only
        Complication("p1", "e1", "bruising", "I", None, ()),  # no lot, no area: every group of e1
        Complication("p1", "e1", "swelling", "I", "jawline", ()),  # no lot: the jawline's threads (PCL, L2)
        Complication("p7", "e7", "extrusion", "IIIa", "jawline", ("L2",)),  # PCL, Dr Osei
    ]
    rates = {(f.by, f.value): f for f in complication_rates(procedures, complications,
                                                            OutcomeSettings(min_patients=10))}
    pdo_rate = rates[("material", "PDO")]
    assert (pdo_rate.procedures, pdo_rate.with_complication) == (12, 2)  # e0 (linked) and e1 (no lot)
    assert pdo_rate.per_100 == pytest.approx(100 * 2 / 12)
    interval = clopper_pearson(2, 12)
    assert (pdo_rate.low_per_100, pdo_rate.high_per_100) == pytest.approx((100 * interval.low, 100 * interval.high))
    assert pdo_rate.grades == {"I": 1, "II": 1, "IIIa": 0, "IIIb": 0, "IV": 0, "V": 0}
    assert rates[("lot", "L2")].with_complication == 2  # e1 (no lot) and e7 (linked to L2)
    assert rates[("area", "jawline")].with_complication == 2 and rates[("area", "midface")].with_complication == 2
    hale, osei = rates[("clinician", "Dr Hale")], rates[("clinician", "Dr Osei")]
    assert hale.procedures == 6 and hale.per_100 is None and hale.basis.withheld is not None  # 6 < 10 patients
    assert osei.grades == {} and osei.with_complication == 1
    counts = grade_counts(procedures, complications, OutcomeSettings(min_patients=10))
    assert counts.events == {"I": 2, "II": 1, "IIIa": 1, "IIIb": 0, "IV": 0, "V": 0} and counts.basis.patients == 12
    assert grade_counts(procedures[:3], complications, OutcomeSettings()).events == {}


def test_gais_distribution_per_window_in_schedule_order():
    scores = [GaisScore(f"p{n}", f"e{n}", "3 months", 3, "clinician", 1 + n % 5) for n in range(10)]
    scores += [GaisScore(f"p{n}", f"e{n}", "1 month", 2, "clinician", 2) for n in range(10)]
    scores += [GaisScore(f"p{n}", f"e{n}", "1 month", 2, "patient", 1) for n in range(4)]
    figures = gais_distribution(scores, OutcomeSettings(min_patients=10))
    assert [(f.window, f.rater) for f in figures] == [("1 month", "clinician"), ("1 month", "patient"),
                                                      ("3 months", "clinician")]
    month, patient, later = figures
    assert month.counts == {1: 0, 2: 10, 3: 0, 4: 0, 5: 0} and month.improved_percent == 100.0
    assert patient.counts == {} and patient.basis.patients == 4 and patient.basis.withheld
    assert later.counts == {1: 2, 2: 2, 3: 2, 4: 2, 5: 2} and later.improved_percent == 60.0
    assert later.improved_low_percent == pytest.approx(100 * clopper_pearson(6, 10).low)


def test_settings_are_bounded():
    with pytest.raises(ValueError):
        OutcomeSettings(threshold_mm=0)
    with pytest.raises(ValueError):
        OutcomeSettings(min_patients=0)


def test_the_clinic_sets_the_threshold_and_the_minimum_in_its_environment(tmp_path):
    from threadlift.config import ConfigurationError, Settings

    base = {"THREADLIFT_DATA_DIR": str(tmp_path)}
    policy = Settings.from_env({**base, "THREADLIFT_DURABILITY_THRESHOLD_MM": "1.5",
                                "THREADLIFT_OUTCOME_MIN_PATIENTS": "20"}).policy
    assert (policy.durability_threshold_mm, policy.outcome_min_patients) == (1.5, 20)
    default = Settings.from_env(base).policy
    assert (default.durability_threshold_mm, default.outcome_min_patients) == (1.0, 10)
    for name, value in (("THREADLIFT_DURABILITY_THRESHOLD_MM", "none"), ("THREADLIFT_DURABILITY_THRESHOLD_MM", "0"),
                        ("THREADLIFT_OUTCOME_MIN_PATIENTS", "0")):
        with pytest.raises(ConfigurationError, match=name):
            Settings.from_env({**base, name: value})
