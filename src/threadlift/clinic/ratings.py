"""Outcome ratings at a follow-up: the Global Aesthetic Improvement Scale (GAIS) as the clinician and the
patient rate it, and the patient's own report of when the lift's effect wore off (OUT-01, OUT-03).

GAIS is entered in its standard 5-point form [GAIS] (face-measurement.md §4, thread-lift-clinical.md §6.1):
1 very much improved, 2 much improved, 3 improved, 4 no change, 5 worse, so 1 is the best. Several thread
studies report it the other way round, 5 best [ZHUK22][MOON20] ([CONFLICT], §7.1), so every rating is
stored with the scale's name, version and which score is the best (OUT-01), and ratings are compared
only through :attr:`GaisRating.standard_score`, which puts any direction into the standard one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Rater(StrEnum):
    CLINICIAN = "clinician"
    PATIENT = "patient"


class RatingScale(BaseModel):
    """A rating scale as it was presented: its name, version, range and which end is the best outcome."""

    model_config = ConfigDict(frozen=True)
    name: str
    version: str
    best: int
    worst: int
    anchors: dict[int, str]  # score -> label, as the rater saw it
    descriptions: dict[int, str] = Field(default_factory=dict)
    source: str = ""

    def anchor(self, score: int) -> str:
        return self.anchors[score]


GAIS = RatingScale(
    name="GAIS", version="5-point standard form", best=1, worst=5,
    anchors={1: "very much improved", 2: "much improved", 3: "improved", 4: "no change", 5: "worse"},
    descriptions={1: "optimal cosmetic result", 2: "marked improvement, not fully optimal",
                  3: "better, but a touch-up may be indicated", 4: "the same as before the procedure",
                  5: "worse than before the procedure"},
    source="[GAIS] (face-measurement.md §4; thread-lift-clinical.md §6.1)")

GaisScore = Annotated[int, Field(ge=GAIS.best, le=GAIS.worst,
                                 description="GAIS, standard form: 1 very much improved, 2 much improved, 3 improved, "
                                             "4 no change, 5 worse")]
WeeksAfterProcedure = Annotated[int, Field(ge=0, le=520, description="weeks after the procedure, as the patient "
                                                                    "recalls it")]


class GaisRating(BaseModel):
    """One GAIS rating as recorded: the score with its scale (name, version, anchor direction, label)."""

    model_config = ConfigDict(frozen=True)
    rater: Rater
    score: int
    scale_name: str
    scale_version: str
    best_score: int  # the anchor direction: which score means the best outcome on the scale as rated
    worst_score: int
    anchor: str  # the label of ``score`` on that scale
    rated_at: datetime
    recorded_by: str  # the member of staff who recorded it (for the patient's own rating, who took it down)

    @model_validator(mode="after")
    def _score_on_its_scale(self) -> GaisRating:
        low, high = sorted((self.best_score, self.worst_score))
        if not low <= self.score <= high:
            raise ValueError(f"a score of {self.score} is outside the scale ({low} to {high})")
        return self

    @property
    def standard_score(self) -> int:
        """The score in the standard direction (1 best, counting up to the worst), however it was rated."""
        return abs(self.score - self.best_score) + 1

    @property
    def improved(self) -> bool:
        """Rated improved or better (standard 1-3): the usual responder definition for GAIS."""
        return self.standard_score <= 3


def rating(rater: Rater, score: int, *, at: datetime, by: str, scale: RatingScale = GAIS) -> GaisRating:
    """A rating on ``scale`` (the standard GAIS unless said), carrying the scale's identity and direction."""
    if score not in scale.anchors:
        raise ValueError(f"{scale.name} has no score {score}")
    return GaisRating(rater=rater, score=score, scale_name=scale.name, scale_version=scale.version,
                      best_score=scale.best, worst_score=scale.worst, anchor=scale.anchor(score), rated_at=at,
                      recorded_by=by)


class EffectReport(BaseModel):
    """OUT-03: does the patient still notice the lift's effect, and if not, about when it wore off."""

    model_config = ConfigDict(frozen=True)
    noticeable: bool = Field(description="the patient still notices the effect of the lift")
    lost_after_weeks: WeeksAfterProcedure | None = Field(
        default=None, description="when the effect is no longer noticeable: about how many weeks after the "
                                  "procedure it wore off")

    @model_validator(mode="after")
    def _time_only_when_lost(self) -> EffectReport:
        if self.noticeable and self.lost_after_weeks is not None:
            raise ValueError("the effect is still noticeable: leave 'wore off after' empty")
        if not self.noticeable and self.lost_after_weeks is None:
            raise ValueError("ask the patient about how many weeks after the procedure the effect wore off")
        return self


class AssessmentEntry(BaseModel):
    """Outcome ratings as entered at a follow-up: the clinician's GAIS, the patient's GAIS, the patient's
    report of the effect (OUT-03). Each is optional; at least one is given."""

    model_config = ConfigDict(frozen=True)
    clinician_gais: GaisScore | None = None
    patient_gais: GaisScore | None = None
    effect: EffectReport | None = None

    @model_validator(mode="after")
    def _something_rated(self) -> AssessmentEntry:
        if self.clinician_gais is None and self.patient_gais is None and self.effect is None:
            raise ValueError("give the clinician's or the patient's GAIS, or the patient's report of the effect")
        return self


class Assessment(BaseModel):
    """The outcome ratings recorded at one follow-up."""

    model_config = ConfigDict(frozen=True)
    ratings: tuple[GaisRating, ...] = ()
    effect: EffectReport | None = None
    effect_recorded_at: datetime | None = None
    effect_recorded_by: str | None = None

    def by(self, rater: Rater) -> GaisRating | None:
        return next((r for r in self.ratings if r.rater is rater), None)
