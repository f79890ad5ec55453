"""The procedure-day record: checklist with times, local anaesthetic, threads placed, events."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from threadlift.clinic.anaesthetic import Injection, PendingInjection
from threadlift.clinic.errors import ContraindicatedProduct, ExpiredLot, InvalidInput
from threadlift.clinic.threads import Design, Material, ThreadLot


class ChecklistItem(StrEnum):
    CLEANED = "cleaned"  # make-up and jewellery removed, face washed (§4.1 step 1)
    PHOTOS_TAKEN = "photos_taken"
    MARKED = "marked"  # vectors with entry and exit points (§4.1 step 2)
    TOPICAL_APPLIED = "topical_anaesthetic_applied"
    TOPICAL_REMOVED = "topical_anaesthetic_removed"
    SKIN_PREPARED = "skin_prepared"  # PRO-07 asepsis: chlorhexidine prep [BHUB][SSIFU]
    DRAPES_AND_CAP = "drapes_and_cap"  # PRO-07
    STERILE_THREADS_CHECKED = "sterile_threads_checked"  # PRO-07
    LAST_KIT_PRESENT = "last_kit_present"  # PRO-05: lipid emulsion in the room [ASRA-CC]


ASEPSIS = (ChecklistItem.SKIN_PREPARED, ChecklistItem.DRAPES_AND_CAP, ChecklistItem.STERILE_THREADS_CHECKED)
REQUIRED_BEFORE_INJECTION = (ChecklistItem.LAST_KIT_PRESENT,)


# The most topical cream a record accepts: a bound on plausible entries, far above the ~2 g usual for
# a minor skin procedure [EMLA-SMPC], which only raises a remark (see anaesthetic.topical_note).
TOPICAL_MAX_G = 30.0


class ChecklistTick(BaseModel):
    """A checklist item ticked by the clinician."""

    model_config = ConfigDict(frozen=True)
    item: ChecklistItem
    # With topical_anaesthetic_applied only: grams of lidocaine 2.5%/prilocaine 2.5% cream, for the
    # exposure note beside the injected total (PRO-04 [EMLA-SMPC]).
    amount_g: float | None = Field(default=None, gt=0, le=TOPICAL_MAX_G,
                                   description="grams of topical cream, with topical_anaesthetic_applied only")

    @model_validator(mode="after")
    def _grams_only_for_the_cream(self) -> ChecklistTick:
        if self.amount_g is not None and self.item is not ChecklistItem.TOPICAL_APPLIED:
            raise ValueError("an amount in grams goes only with the topical anaesthetic when it is applied")
        return self


class ChecklistEntry(ChecklistTick):
    at: datetime
    by: str


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"
    MIDLINE = "midline"


AreaName = Annotated[str, Field(min_length=1, max_length=40)]
VectorAsMarked = Annotated[str, Field(min_length=1, max_length=200,
                                      description="entry -> exit (or anchor), as marked on the skin")]
EntryToExitMm = Annotated[float, Field(gt=0, le=400, description="entry to exit along the skin, mm, as measured")]


class ThreadPlacement(BaseModel):
    """A thread as the clinician records it placed (PRO-01). Every value is what was done: a plan's
    values are only offered as defaults, so ``anchored`` has no default here, and the entry-to-exit
    length is refused blank where a rule needs it (coned threads, PRO-02)."""

    model_config = ConfigDict(frozen=True)
    lot_id: UUID
    area: AreaName
    side: Side
    vector: VectorAsMarked
    anchored: bool
    entry_to_exit_mm: EntryToExitMm | None = None
    planned_thread: str | None = Field(default=None, max_length=40,
                                       description="the plan's thread id this placement carries out, if any")
    confirm_differs_from_plan: bool = Field(
        default=False, description="the clinician confirms a thread whose design, gauge or length differs from the "
                                   "planned thread's (PRO-01)")
    placed_at: datetime | None = Field(default=None, description="when it was placed, if recorded afterwards (not "
                                       "later than now, not before the procedure began); default: now")


class ThreadUse(BaseModel):
    """One thread placed (PRO-01): the lot's product details copied at the time of use, and the
    placement as recorded."""

    model_config = ConfigDict(frozen=True)
    lot_id: UUID
    lot: str
    product: str
    material: Material
    design: Design
    gauge: str
    length_mm: float
    area: AreaName
    side: Side
    vector: VectorAsMarked
    anchored: bool = False
    entry_to_exit_mm: EntryToExitMm | None = None  # None: not measured (records from before it was asked)
    planned_thread: str | None = None
    plan_differences: list[str] = Field(default_factory=list)  # confirmed as placed, though unlike the plan
    placed_at: datetime | None = None  # when it was placed, if recorded afterwards
    at: datetime  # when it was entered
    by: str

    @property
    def happened_at(self) -> datetime:
        """When it was placed (``at`` is when it was entered)."""
        return self.placed_at or self.at


def _gauge(text: str) -> str:
    return "".join(text.split()).upper()


def plan_differences(lot: ThreadLot, planned: dict[str, Any]) -> list[str]:
    """How ``lot``'s thread differs from the planned thread (the plan document's thread, as data): its design,
    gauge and length (PRO-01 records each per thread)."""
    found = []
    design = str(planned.get("design", ""))
    if design != lot.design.value:
        found.append(f"design {lot.design.value.replace('_', ' ')}, planned {design.replace('_', ' ')}")
    if _gauge(str(planned.get("gauge", ""))) != _gauge(lot.gauge):
        found.append(f"gauge {lot.gauge}, planned {planned.get('gauge')}")
    length = planned.get("length_mm")
    if isinstance(length, int | float) and abs(float(length) - lot.length_mm) > 0.5:
        found.append(f"length {lot.length_mm:g} mm, planned {float(length):g} mm")
    return found


class EventKind(StrEnum):
    """Intra-procedure events worth structuring (PRO-06 [ESTET][SLVP18-P4][IFAAS-C1])."""

    SHOCK_LIKE_PAIN = "shock_like_pain"  # possible nerve contact: triggers a neurological follow-up
    BLEEDING = "bleeding"
    DIMPLING_AT_END = "dimpling_at_end"
    THREAD_BREAKAGE = "thread_breakage"
    EXPOSED_CONE_OR_KNOT = "exposed_cone_or_knot"


class ProcedureEventEntry(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: EventKind
    note: str | None = Field(default=None, max_length=1000)


class ProcedureEvent(ProcedureEventEntry):
    at: datetime
    by: str


# PRO-02: coned sutures need a minimum entry-to-exit length of 6/9/11 cm for 8/12/16 cones [SSIFU].
CONED_MINIMUM_LENGTH_MM = {8: 60.0, 12: 90.0, 16: 110.0}


class ProcedureRecord(BaseModel):
    performer_id: str
    started_at: datetime
    ended_at: datetime | None = None
    checklist: list[ChecklistEntry] = Field(default_factory=list)
    injections: list[Injection] = Field(default_factory=list)
    pending_injections: list[PendingInjection] = Field(default_factory=list)  # over the maximum, unconfirmed
    threads: list[ThreadUse] = Field(default_factory=list)
    events: list[ProcedureEvent] = Field(default_factory=list)

    def ticked(self, item: ChecklistItem) -> bool:
        return any(entry.item is item for entry in self.checklist)

    @property
    def topical_g(self) -> float | None:
        return next((e.amount_g for e in self.checklist if e.item is ChecklistItem.TOPICAL_APPLIED), None)

    def missing(self, items: tuple[ChecklistItem, ...]) -> list[ChecklistItem]:
        return [item for item in items if not self.ticked(item)]

    @property
    def duration_minutes(self) -> float | None:
        if self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds() / 60


def check_thread(lot: ThreadLot, *, on: date, polymer_allergies: set[str], entry_to_exit_mm: float | None) -> list[str]:
    """Refuse an expired lot or a polymer the patient is allergic to; return warnings (e.g. SEL-13)."""
    if lot.expired_on(on):
        raise ExpiredLot(f"lot {lot.lot} of {lot.product} expired on {lot.expiry.isoformat()}; use another lot "
                         "(this one must not be used)")
    if lot.material.value.lower() in polymer_allergies:
        raise ContraindicatedProduct(f"the patient is allergic to {lot.material.value}; {lot.product} is refused "
                                     "(SEL-09)")
    warnings = []
    if not lot.material.absorbable:
        warnings.append("SEL-13: non-absorbable thread: paraesthesia 11.7% vs 3.1% and extrusion 7.6% vs 1.6% "
                        "against absorbable threads [NIU21]")
    if lot.design is Design.CONED and lot.cones in CONED_MINIMUM_LENGTH_MM:
        minimum = CONED_MINIMUM_LENGTH_MM[lot.cones]
        if entry_to_exit_mm is None:
            raise InvalidInput(f"record the entry-to-exit length: {lot.cones}-cone sutures need at least "
                               f"{minimum / 10:g} cm between entry and exit (PRO-02 [SSIFU])", rule="PRO-02")
        if entry_to_exit_mm < minimum:
            raise InvalidInput(f"a {lot.cones}-cone suture needs at least {minimum / 10:g} cm between entry and exit; "
                               f"{entry_to_exit_mm / 10:g} cm is too short (PRO-02 [SSIFU])", rule="PRO-02")
    return warnings
