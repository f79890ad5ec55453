"""Clinic policy: every number that differs between jurisdictions or clinics, with its source.

Sources are keys of ../shared/knowledge/thread-lift-clinical.md (§9). Defaults are starting points
for a clinic to review; none of the intervals is trial-derived (§3.4, §4.5, §4.7).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Jurisdiction(StrEnum):
    US = "US"
    UK = "UK"


class Preparation(StrEnum):
    PLAIN = "plain"  # lidocaine without adrenaline
    WITH_ADRENALINE = "with_adrenaline"


class DoseLimit(BaseModel):
    model_config = ConfigDict(frozen=True)
    mg_per_kg: float
    cap_mg: float
    source: str


# §4.2: plain lidocaine 4.5 mg/kg capped at 300 mg (US) or 200 mg (UK, BNF/SmPC); with adrenaline
# 7 mg/kg capped at 500 mg in both. [CONFLICT] on the plain cap is why this is per jurisdiction.
DOSE_LIMITS: dict[Jurisdiction, dict[Preparation, DoseLimit]] = {
    Jurisdiction.US: {
        Preparation.PLAIN: DoseLimit(mg_per_kg=4.5, cap_mg=300.0, source="[DRORACLE-LIDO]"),
        Preparation.WITH_ADRENALINE: DoseLimit(mg_per_kg=7.0, cap_mg=500.0, source="[USDENT-LABEL][DRORACLE-LIDO]"),
    },
    Jurisdiction.UK: {
        Preparation.PLAIN: DoseLimit(mg_per_kg=4.5, cap_mg=200.0, source="[BNF-LIDO][HPRA-SMPC][HAMELN-SMPC]"),
        Preparation.WITH_ADRENALINE: DoseLimit(mg_per_kg=7.0, cap_mg=500.0, source="[BNF-LIDO][USDENT-LABEL]"),
    },
}


class FollowUpSlot(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    days_after: int
    kind: str = "visit"  # or "call"


# The default schedule: a day-1 call, then 1 week, 1, 3, 6 and 12 months ([DESIGN] FU-01, from
# the schedules in §4.6 and §6.5 [SISU][NEST19][WANIT21]).
DEFAULT_FOLLOW_UPS = (
    FollowUpSlot(name="day-1 call", days_after=1, kind="call"),
    FollowUpSlot(name="1 week", days_after=7),
    FollowUpSlot(name="1 month", days_after=30),
    FollowUpSlot(name="3 months", days_after=91),
    FollowUpSlot(name="6 months", days_after=182),
    FollowUpSlot(name="12 months", days_after=365),
)


class ClinicPolicy(BaseModel):
    """Settings of one clinic. Build with :meth:`for_jurisdiction`, then override what the clinic decides."""

    model_config = ConfigDict(frozen=True)

    jurisdiction: Jurisdiction = Jurisdiction.UK
    # SEL-01: England's under-18 ban on non-surgical cosmetic procedures [UKREG-2025].
    minimum_age_years: int = 18
    # SEL-16 [CONFLICT]: days that must have passed since a recent treatment ([PERFECTF][NORVAL][RESTOR]
    # [SKINCENTER]).
    treatment_intervals_days: dict[str, int] = Field(default_factory=lambda: {
        "filler": 14, "toxin": 7, "energy_device": 14, "surgery": 90, "vaccine": 14, "dental": 14})
    # SEL-06: stop non-prescribed blood thinners this long before (default 7; sources range 2-14
    # [PERFECTF][LAFLEUR][RESTOR]).
    blood_thinner_stop_days: int = 7
    # SEL-15: days between consultation and procedure (no thread-specific evidence; UK surgery uses 14
    # [MDDUS]); 0 disables.
    cooling_off_days: int = 7
    # SEL-12: age above which the higher-risk counselling text is shown [NIU21].
    counselling_age_years: int = 50
    # PRO-04: warn at this fraction of the maximum dose.
    dose_warning_fraction: float = 0.8
    # DIS-01: minimum observation before discharge ([DESIGN]; patients usually leave within 1-2 hours).
    minimum_observation_minutes: int = 30
    follow_ups: tuple[FollowUpSlot, ...] = DEFAULT_FOLLOW_UPS
    # AE-02: dimpling still present after this many days prompts a review [WANG20][SG18].
    dimpling_review_days: int = 14
    lot_expiry_warning_days: int = 60
    # Outcome statistics (issue 18; [DESIGN] OUT-02/OUT-03, thread-lift-clinical.md §6.4, §8.4): a lift "lasts"
    # while it measures at least this much, above the comparison's usual ± (0.4-0.8 mm)...
    durability_threshold_mm: float = Field(default=1.0, gt=0, le=20)
    # ...and a figure resting on fewer patients is withheld with the reason (§0: thin, heterogeneous evidence).
    outcome_min_patients: int = Field(default=10, ge=1, le=10_000)

    @classmethod
    def for_jurisdiction(cls, jurisdiction: Jurisdiction | str, **overrides: object) -> ClinicPolicy:
        return cls.model_validate({"jurisdiction": Jurisdiction(jurisdiction), **overrides})

    def dose_limit(self, preparation: Preparation) -> DoseLimit:
        return DOSE_LIMITS[self.jurisdiction][preparation]
