"""The thread catalogue: one data file (``data/thread_catalogue.json``) used by planning and records.

Every value carries source keys of ../shared/knowledge/thread-lift-clinical.md; ranges span
disagreeing sources. The schema (``data/thread_catalogue.schema.json``) is generated from the models
here (``make docs``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from threadlift.clinic.threads import Design, Material


class MaterialEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    absorbable: bool
    absorption_months: tuple[float, float] | None
    absorption_sources: list[str]
    effect_months: tuple[float, float] | None
    effect_sources: list[str]
    conflict: bool
    note: str


class DesignEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    purpose: str
    lifts: bool
    sources: list[str] = Field(min_length=1)


class AreaEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    designs: list[Design] = Field(min_length=1)
    material: Material
    gauge: str
    length_mm: float
    count_per_side: tuple[int, int]
    count_sources: list[str] = Field(min_length=1)
    count_note: str
    vector: str
    vector_sources: list[str] = Field(min_length=1)
    expected_lift_mm: float | None
    expected_lift_sources: list[str]
    expected_lift_note: str
    depth_plane: str
    depth_sources: list[str]


class SourcedValues(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    values: list[str]
    sources: list[str]


class SourcedLengths(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    range: tuple[float, float]
    typical: list[float]
    sources: list[str]


class AnaestheticPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    agent: str
    concentration_percent: float
    with_adrenaline: bool
    volume_per_point_ml: float
    sources: list[str]
    note: str


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_version: str
    description: str
    materials: dict[Material, MaterialEntry]
    designs: dict[Design, DesignEntry]
    gauges: SourcedValues
    lengths_mm: SourcedLengths
    coned_minimum_entry_to_exit_mm: dict[str, float | list[str]]
    areas: dict[str, AreaEntry]
    local_anaesthetic: AnaestheticPlan

    def area(self, name: str) -> AreaEntry:
        try:
            return self.areas[name]
        except KeyError:
            raise KeyError(f"no catalogue entry for area '{name}'; known: {', '.join(self.areas)}") from None

    def source_keys(self) -> set[str]:
        """Every source key the catalogue cites (for checking against the knowledge base)."""
        found: set[str] = set()
        for material in self.materials.values():
            found |= set(material.absorption_sources) | set(material.effect_sources)
        for design in self.designs.values():
            found |= set(design.sources)
        for area in self.areas.values():
            found |= set(area.count_sources) | set(area.vector_sources) | set(area.expected_lift_sources)
            found |= set(area.depth_sources)
        found |= set(self.gauges.sources) | set(self.lengths_mm.sources) | set(self.local_anaesthetic.sources)
        return found


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    text = resources.files("threadlift.clinic.data").joinpath("thread_catalogue.json").read_text()
    return Catalogue.model_validate_json(text)


def catalogue_schema() -> dict[str, object]:
    """The JSON schema of the catalogue file (``data/thread_catalogue.schema.json``, written by ``make docs``)."""
    schema = Catalogue.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "ThreadLift thread catalogue"
    return schema
