"""Threads as recorded on the procedure day and held in stock: materials, designs, lots.

Materials and designs: thread-lift-clinical.md §1.1-§1.2. (The planning catalogue builds on the
same enums.)
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field


class Material(StrEnum):
    PDO = "PDO"  # polydioxanone, absorbed by ~6 months [PDS-MEDCARE][PDS-ALMO]
    PLLA = "PLLA"  # poly-L-lactic acid, 6-24 months [AJ14] [CONFLICT]
    PLGA = "PLGA"  # lactide/glycolide cones [K171005]
    PCL = "PCL"  # polycaprolactone, 2-3 years [DESH23]
    PLCL = "PLCL"  # poly(L-lactide-co-caprolactone) [WONG21]
    POLYPROPYLENE = "polypropylene"  # non-absorbable [K171005]

    @property
    def absorbable(self) -> bool:
        return self is not Material.POLYPROPYLENE


class Design(StrEnum):
    MONO = "mono"
    SCREW = "screw"
    MESH = "mesh"
    BARBED_UNIDIRECTIONAL = "barbed_unidirectional"
    BARBED_BIDIRECTIONAL = "barbed_bidirectional"
    CONED = "coned"


class ThreadLotEntry(BaseModel):
    """A lot as received into stock, from its packet."""

    model_config = ConfigDict(frozen=True)
    product: str = Field(min_length=1, max_length=120)
    manufacturer: str | None = Field(default=None, max_length=120)
    material: Material
    design: Design
    gauge: str = Field(min_length=1, max_length=10, description="e.g. 19G, or USP 2-0")
    length_mm: float = Field(gt=0, le=600)
    cones: int | None = Field(default=None, ge=0, le=40)
    lot: str = Field(min_length=1, max_length=60)
    expiry: date
    quantity_received: int = Field(gt=0, le=100_000)
    received_on: date


class ThreadLot(ThreadLotEntry):
    id: UUID = Field(default_factory=uuid4)

    def expired_on(self, day: date) -> bool:
        return day > self.expiry
