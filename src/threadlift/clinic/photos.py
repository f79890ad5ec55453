"""A clinical photo on the record: which view and stage, who took it, the hashes that prove it unchanged.

The image itself lives encrypted in the vault; the record holds its analysis (a JSON document, see
``threadlift/face/data/analysis.schema.json``) and never the file's name, which may carry a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field


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
