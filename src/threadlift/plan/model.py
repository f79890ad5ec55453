"""The plan document: threads with vectors in the face frame, per-area summaries, referral, checks.

Face frame (../shared/DESIGN.md): millimetres, origin between the pupils, x toward the patient's
left, y down. Coordinates therefore transfer to any photo of the same patient.
"""

from __future__ import annotations

import itertools
import math
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x_mm: float = Field(ge=-400, le=400)
    y_mm: float = Field(ge=-400, le=400)

    def xy(self) -> tuple[float, float]:
        return self.x_mm, self.y_mm


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    sources: list[str] = Field(default_factory=list)


DEPTH_PLANES = ("subdermal", "subcutaneous", "smas", "sub_smas")


class Vector(BaseModel):
    """Entry point, optional fixation/anchor point, exit or end point; and the plane the thread runs in."""

    model_config = ConfigDict(extra="forbid")
    entry: Point
    anchor: Point | None = None
    exit: Point
    depth_plane: str = Field(default="subcutaneous", pattern="^(subdermal|subcutaneous|smas|sub_smas)$")

    def path(self) -> list[tuple[float, float]]:
        points = [self.entry.xy()]
        if self.anchor is not None:
            points.append(self.anchor.xy())
        points.append(self.exit.xy())
        return points

    @property
    def length_mm(self) -> float:
        path = self.path()
        return float(sum(math.hypot(x2 - x1, y2 - y1) for (x1, y1), (x2, y2) in itertools.pairwise(path)))


class Thread(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    area: str
    side: Side
    design: str  # validated against the catalogue (a string, so an unknown design can be reported, not crash)
    material: str
    gauge: str
    length_mm: float = Field(gt=0, le=600)
    anchored: bool = False
    cones: int | None = Field(default=None, ge=1, le=40, description="coned threads only")
    vector: Vector
    reasons: list[Reason] = Field(default_factory=list)


class AreaPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area: str
    side: Side
    count: int = Field(ge=0, le=50)  # threads in one area on one side (a handful in practice)
    expected_lift_mm: float | None = None
    reasons: list[Reason] = Field(default_factory=list)


class ZoneFlag(BaseModel):
    """A thread against a zone. ``warning``: an entry, anchor or exit point lies in a danger zone (PRO-03),
    an anchored thread is anchored outside the safe zone, or a deep thread crosses a zone; ``caution``: a
    subcutaneous path crosses or passes near a zone (the structure usually lies deeper, but varies)."""

    model_config = ConfigDict(extra="forbid")
    thread_id: str
    side: Side
    zone: str
    kind: str = Field(pattern="^(inside|crosses|near|outside_safe_zone)$")
    level: str = Field(pattern="^(warning|caution)$")
    point: str | None = Field(default=None, description="entry, anchor or exit, for kind 'inside'")
    distance_mm: float
    estimated: bool
    source: str


class AnaestheticPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    points: int = Field(ge=0, le=500)
    volume_per_point_ml: float
    concentration_percent: float
    with_adrenaline: bool
    total_mg: float
    maximum_mg: float | None = None
    basis: str
    sources: list[str]


class PhotoRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sha256: str
    view: str
    mm_per_px: float


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: str = SCHEMA_VERSION
    created_at: datetime
    photo: PhotoRef | None = None
    age_years: int | None = Field(default=None, ge=0, le=120)
    laxity_grade: float | None = Field(default=None, ge=0, le=4)
    weight_kg: float | None = Field(default=None, gt=0, le=400, description="for the anaesthetic maximum")
    jurisdiction: str = Field(default="UK", pattern="^(UK|US)$")
    concerns: list[str]
    anatomy_mm: dict[str, Point] = Field(description="named points used for zones and checks, face frame")
    face_outline_mm: list[Point] = Field(min_length=8)
    threads: list[Thread] = Field(default_factory=list)
    areas: list[AreaPlan] = Field(default_factory=list)
    referral: Reason | None = None
    danger_flags: list[ZoneFlag] = Field(default_factory=list)
    local_anaesthetic: AnaestheticPlan | None = None
    warnings: list[str] = Field(default_factory=list)
    estimate_note: str = ("Zones placed from a frontal photo are estimates; the tragus and mandibular border are "
                          "inferred from the face outline.")



def plan_schema() -> dict[str, object]:
    """The JSON schema of a plan document (``threadlift/plan/data/plan.schema.json``, written by ``make docs``)."""
    schema = Plan.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ThreadLift treatment plan"
    return schema
