"""GAIS at each follow-up window: how the clinician's and the patient's ratings are distributed.

Scores are in the standard direction (1 very much improved, 2 much improved, 3 improved, 4 no change,
5 worse; [GAIS], thread-lift-clinical.md §6.1), whatever direction they were rated in (OUT-01 stores it).
"Improved" (1-3) is the usual responder definition; its share carries an exact interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from threadlift.outcomes.basis import Basis, basis
from threadlift.outcomes.rates import clopper_pearson
from threadlift.outcomes.records import GaisScore, OutcomeSettings

SCORES = (1, 2, 3, 4, 5)
LABELS = {1: "very much improved", 2: "much improved", 3: "improved", 4: "no change", 5: "worse"}  # [GAIS] §6.1


@dataclass(frozen=True)
class GaisFigure:
    window: str
    window_order: int
    rater: str
    ratings: int
    basis: Basis
    counts: dict[int, int] = field(default_factory=dict)  # standard score -> ratings (empty when withheld)
    improved_percent: float | None = None
    improved_low_percent: float | None = None
    improved_high_percent: float | None = None


def gais_distribution(scores: Sequence[GaisScore], settings: OutcomeSettings) -> list[GaisFigure]:
    """Per follow-up window (in schedule order) and rater: counts of each score and the share improved."""
    groups: dict[tuple[int, str, str], list[GaisScore]] = defaultdict(list)
    for score in scores:
        groups[(score.window_order, score.window, score.rater)].append(score)
    figures = []
    for (order, window, rater), group in sorted(groups.items()):
        shown = basis((s.patient_id for s in group), settings.min_patients)
        if not shown.shown:
            figures.append(GaisFigure(window, order, rater, len(group), shown))
            continue
        counts = {value: sum(1 for s in group if s.standard_score == value) for value in SCORES}
        improved = sum(counts[v] for v in (1, 2, 3))
        interval = clopper_pearson(improved, len(group))
        figures.append(GaisFigure(window, order, rater, len(group), shown, counts, 100.0 * improved / len(group),
                                  100.0 * interval.low, 100.0 * interval.high))
    return figures
