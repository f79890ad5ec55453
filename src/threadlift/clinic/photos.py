"""A clinical photo on the record: which view and stage, who took it, the hashes that prove it unchanged.

The image itself lives encrypted in the vault; the record holds its analysis (a JSON document, see
``threadlift/face/data/analysis.schema.json``) and never the file's name, which may carry a name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from threadlift.clinic.corrections import InError


class PhotoStage(StrEnum):
    BASELINE = "baseline"
    PROCEDURE_DAY = "procedure_day"
    FOLLOW_UP = "follow_up"
    CHECK_IN = "check_in"  # sent by the patient with a check-in (issue 17); not compared with the baseline


@dataclass(frozen=True)
class VaultPhoto:
    """A stored photo as a batch run lists it: its id, the vault's name for its file, the stored file's hash."""

    photo_id: str
    stored_name: str
    stored_sha256: str


@dataclass(frozen=True)
class ListedPhoto:
    """A stored photo as a batch comparison lists it: where its file is, whose it is, what it shows, when it
    was taken into the record, and when its episode's procedure began (None: no procedure yet)."""

    stored: VaultPhoto
    patient_id: str
    episode_id: str
    view: str
    stage: str
    uploaded_at: datetime
    procedure_started_at: datetime | None = None


@dataclass(frozen=True)
class FollowUpPair:
    """A follow-up photo and the baseline photo it is compared with."""

    baseline: ListedPhoto
    follow_up: ListedPhoto

    @property
    def days_after_procedure(self) -> int | None:
        """Days from the procedure to the follow-up photo (None: the episode has no procedure)."""
        started = self.follow_up.procedure_started_at
        return None if started is None else max((self.follow_up.uploaded_at - started).days, 0)


@dataclass(frozen=True)
class StagedPhoto:
    """A photo as an episode's listing of pairs needs it: which it is, its view and stage, when it was taken
    into the record, and whether it was recorded in error."""

    id: UUID
    view: str
    stage: str
    uploaded_at: datetime
    in_error: bool


class Staged(Protocol):
    """A photo as far as pairing needs it: its view and its stage."""

    @property
    def view(self) -> str: ...

    @property
    def stage(self) -> str: ...


S = TypeVar("S", bound=Staged)


def with_baselines(photos: Iterable[S]) -> list[tuple[S, S]]:
    """One episode's follow-up photos, each with the baseline photo it is compared with: the last baseline of
    the same view ([DESIGN] OUT-02: lift is measured against the episode's baseline, from the same angle).
    ``photos`` in upload order, and the pairs in that order. A follow-up with no baseline of its view has no
    pair; check-in and procedure-day photos are not compared."""
    ordered = list(photos)
    baselines = {p.view: p for p in ordered if p.stage == PhotoStage.BASELINE}
    return [(baselines[p.view], p) for p in ordered if p.stage == PhotoStage.FOLLOW_UP and p.view in baselines]


def follow_up_pairs(photos: Iterable[ListedPhoto]) -> list[FollowUpPair]:
    """Every follow-up photo of every episode with its baseline (:func:`with_baselines`), in upload order of
    the follow-up photos."""
    episodes: dict[tuple[str, str], list[ListedPhoto]] = defaultdict(list)
    for photo in sorted(photos, key=lambda p: p.uploaded_at):
        episodes[(photo.patient_id, photo.episode_id)].append(photo)
    pairs = [FollowUpPair(baseline, follow_up) for listed in episodes.values()
             for baseline, follow_up in with_baselines(listed)]
    return sorted(pairs, key=lambda pair: pair.follow_up.uploaded_at)


class PhotoRecord(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: UUID = Field(default_factory=uuid4)
    patient_id: UUID
    episode_id: UUID
    view: str  # frontal, oblique or profile and its side, as the analysis names views
    stage: PhotoStage
    stored_name: str  # the vault's name for the encrypted file
    original_sha256: str  # of the file as uploaded
    stored_sha256: str  # of the file as stored (location removed from EXIF)
    content_type: str
    size_bytes: int
    location_removed: bool
    uploaded_at: datetime
    uploaded_by: str
    quality_ok: bool
    analysis: dict[str, Any]
    entered_in_error: InError | None = None  # kept, never measured, compared or planned on again
