"""Registers across patients: thread stock, lot recall, follow-ups due, the complications register.

These are read models: rows the store assembles from its indexes (threads by lot, follow-ups by due
date, adverse events by type) for questions asked across episodes. The rates are computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from threadlift.clinic.episode import Episode, State
from threadlift.clinic.threads import ThreadLot


@dataclass(frozen=True)
class LotStock:
    lot: ThreadLot
    used: int

    @property
    def available(self) -> int:
        return self.lot.quantity_received - self.used


@dataclass(frozen=True)
class Recipient:
    """A patient who received a thread from a recalled lot, and where it was placed."""

    patient_id: UUID
    patient_name: str
    date_of_birth: date
    episode_id: UUID
    area: str
    side: str
    vector: str
    placed_at: datetime


@dataclass(frozen=True)
class FollowUpDue:
    episode_id: UUID
    position: int
    patient_id: UUID
    patient_name: str
    name: str
    kind: str
    due_on: date
    overdue: bool


@dataclass(frozen=True)
class NamedEpisode:
    """An episode on the day's board: its state, its patient's name and its procedure's times, read without
    the rest of its record (a board of episodes would otherwise parse each one's whole history)."""

    episode_id: UUID
    patient_id: UUID
    patient_name: str
    state: State
    procedure_started_at: datetime | None
    procedure_ended_at: datetime | None
    threads_placed: int  # not those recorded in error

    @classmethod
    def of(cls, episode: Episode, patient_name: str) -> NamedEpisode:
        procedure = episode.procedure
        return cls(episode.id, episode.patient_id, patient_name, episode.state,
                   procedure.started_at if procedure else None, procedure.ended_at if procedure else None,
                   len(episode.placed_threads()))


@dataclass(frozen=True)
class PlannedEpisode:
    episode_id: UUID
    patient_id: UUID
    patient_name: str


@dataclass(frozen=True)
class RegisterEntry:
    """One adverse event in the register, with the thread lots and products it is linked to."""

    event_id: UUID
    episode_id: UUID
    patient_id: UUID
    type: str
    area: str | None
    serious: bool
    onset_on: date
    severity: int
    clavien_dindo: str
    tier: str
    outcome: str
    lots: tuple[str, ...] = ()
    products: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegisterFilter:
    """Which events, and so which procedures, a register counts (all fields optional)."""

    event_type: str | None = None
    product: str | None = None
    lot: str | None = None
    area: str | None = None
    serious_only: bool = False
    onset_from: date | None = None  # events that began on or after this day (the day's board: the last 90 days)


@dataclass(frozen=True)
class ComplicationsRegister:
    rows: list[RegisterEntry]
    procedures: int  # procedures in the same scope (all, with the product or lot, or in the area)
    rates_per_100: dict[str, float]  # per event type, events per 100 procedures in scope

    @property
    def total_per_100(self) -> float:
        return 100.0 * len({r.episode_id for r in self.rows}) / self.procedures if self.procedures else 0.0


def complications_register(rows: list[RegisterEntry], procedures: int) -> ComplicationsRegister:
    """Rates per 100 procedures: episodes with an event of each type over the procedures in the same
    scope (those that used the product or lot, or placed threads in the area), so they compare with the
    pooled figures of thread-lift-clinical.md §5.1 ([DESIGN] AE-05)."""
    episodes_by_type: dict[str, set[UUID]] = {}
    for row in rows:
        episodes_by_type.setdefault(row.type, set()).add(row.episode_id)
    rates = {kind: 100.0 * len(episodes) / procedures
             for kind, episodes in sorted(episodes_by_type.items())} if procedures else {}
    return ComplicationsRegister(rows, procedures, rates)
