"""All the outcome figures of a clinic at once: what the page, the API and the printed report show."""

from __future__ import annotations

from dataclasses import dataclass

from threadlift.outcomes.gais import GaisFigure, gais_distribution
from threadlift.outcomes.rates import GradeCounts, RateFigure, complication_rates, grade_counts
from threadlift.outcomes.records import OutcomeRecords, OutcomeSettings
from threadlift.outcomes.survival import DurabilityFigure, durability, reported_effect

# §6.4 [CONFLICT]: the published range to read the clinic's own curves against (OUT-03 asks for both).
PUBLISHED_DURABILITY = ("Published durations range from 1-2 months (PDO) to about 2 years, mostly from "
                        "retrospective series (thread-lift-clinical.md §6.4 [BERT19][ABR09][CHANG22][LOR18][ZHUK22]"
                        "[RIO24]); these are this clinic's own patients.")
RATE_CAVEAT = ("Pooled published rates are orders of magnitude only (I² 76-92%; some reviews leave bruising and "
               "swelling out): swelling 16-35%, bruising 19-26%, dimpling 7-10%, infection about 2% "
               "(thread-lift-clinical.md §5.1 [NIU21][ZHOU25][ABSSR24]). Here every recorded adverse event counts.")


@dataclass(frozen=True)
class OutcomeReport:
    settings: OutcomeSettings
    durability: list[DurabilityFigure]
    reported_effect: DurabilityFigure
    rates: list[RateFigure]
    grades: GradeCounts
    gais: list[GaisFigure]
    procedures: int
    patients: int

    @property
    def areas(self) -> list[str]:
        return sorted({f.area for f in self.durability})


def outcome_report(records: OutcomeRecords, settings: OutcomeSettings) -> OutcomeReport:
    return OutcomeReport(settings, durability(records.lifts, settings), reported_effect(records.effects, settings),
                         complication_rates(records.procedures, records.complications, settings),
                         grade_counts(records.procedures, records.complications, settings),
                         gais_distribution(records.gais, settings), len(records.procedures),
                         len({p.patient_id for p in records.procedures}))
