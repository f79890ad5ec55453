"""How many patients a figure rests on, and whether it may be shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Basis:
    """The patients behind a figure. ``withheld`` says why the figure is not shown (None: it is)."""

    patients: int
    withheld: str | None = None

    @property
    def shown(self) -> bool:
        return self.withheld is None


def basis(patient_ids: Iterable[str], min_patients: int) -> Basis:
    """Count distinct patients; below ``min_patients`` the figure is withheld with the reason ([DESIGN]
    thread-lift-clinical.md §0: thin, heterogeneous evidence; a clinic's own figure on a few patients
    would mislead more than it informs)."""
    patients = len(set(patient_ids))
    if patients < min_patients:
        return Basis(patients, f"withheld: {patients} patient{'s' if patients != 1 else ''}, fewer than the "
                               f"minimum of {min_patients} for a figure")
    return Basis(patients)
