"""What the outcome statistics are computed from: plain records the store assembles from its index tables,
and the settings that say when a figure may be shown.

Nothing here reads a database or a file; :mod:`threadlift.services.outcome_stats` builds these records
through the repositories and hands them to the pure functions of this package.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutcomeSettings:
    """When a figure is shown. Both are clinic settings (``ClinicPolicy``), never hard-coded.

    ``threshold_mm``: a lift "lasts" while it measures at least this much ([DESIGN] OUT-02/OUT-03,
    thread-lift-clinical.md §6.4, §8.4; default 1.0 mm, above the comparison's usual ± of 0.4-0.8 mm).
    ``min_patients``: a figure resting on fewer patients is withheld with the reason ([DESIGN]: the
    evidence base is thin and heterogeneous, §0, §5.1; a rate on a handful of patients misleads).
    """

    threshold_mm: float = 1.0
    min_patients: int = 10

    def __post_init__(self) -> None:
        if not 0 < self.threshold_mm <= 20:
            raise ValueError("the durability threshold must be above 0 and at most 20 mm")
        if not 1 <= self.min_patients <= 10_000:
            raise ValueError("the minimum number of patients must be between 1 and 10000")


@dataclass(frozen=True)
class LiftReading:
    """The lift of one treated area at one follow-up photo, compared with the baseline (OUT-02).

    ``day``: days from the procedure to the follow-up photo. ``lift_mm``: the area's movement up (+) in the
    face frame, the mean of the patient's sides that could be measured. ``designs``/``materials``: of the
    threads placed in that area in that episode.
    """

    patient_id: str
    episode_id: str
    area: str
    day: int
    lift_mm: float
    uncertainty_mm: float
    designs: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()


@dataclass(frozen=True)
class ThreadPlaced:
    area: str
    design: str
    material: str
    lot: str


@dataclass(frozen=True)
class ProcedureDone:
    """One procedure (episode with threads placed): who performed it and what went where."""

    patient_id: str
    episode_id: str
    clinician: str
    threads: tuple[ThreadPlaced, ...]


@dataclass(frozen=True)
class Complication:
    """One adverse event (AE-01): its episode, area (None: not tied to one), the lots it is linked to,
    and its Clavien-Dindo grade ([CLAVIEN][CDC-BLEPH], §5.6)."""

    patient_id: str
    episode_id: str
    type: str
    grade: str
    area: str | None = None
    lots: tuple[str, ...] = ()


@dataclass(frozen=True)
class GaisScore:
    """One GAIS rating in the standard direction (1 very much improved ... 5 worse; OUT-01 [GAIS], §6.1)."""

    patient_id: str
    episode_id: str
    window: str  # the follow-up it was rated at (the clinic's schedule: "1 month", "3 months", ...)
    window_order: int  # the follow-up's place in the schedule, for ordering the windows
    rater: str
    standard_score: int


@dataclass(frozen=True)
class EffectFollowUp:
    """The patient's report of the effect at one follow-up (OUT-03): still noticeable at ``day`` days after
    the procedure, or worn off ``lost_after_days`` after it."""

    patient_id: str
    episode_id: str
    day: int
    noticeable: bool
    lost_after_days: int | None = None


@dataclass(frozen=True)
class AreaLift:
    """One area's lift on one side, as a comparison of a follow-up photo with the baseline measured it: the
    row the store keeps for the durability figures (OUT-02; :mod:`threadlift.face.compare` measures it)."""

    after_photo_id: str
    before_photo_id: str
    episode_id: str
    patient_id: str
    area: str
    side: str
    day: int  # days from the procedure to the follow-up photo
    lift_mm: float
    uncertainty_mm: float
    engine_version: str


@dataclass(frozen=True)
class OutcomeRecords:
    """Everything the outcome statistics read, as the store assembles it from its index tables."""

    lifts: tuple[LiftReading, ...]
    procedures: tuple[ProcedureDone, ...]
    complications: tuple[Complication, ...]
    gais: tuple[GaisScore, ...]
    effects: tuple[EffectFollowUp, ...]
