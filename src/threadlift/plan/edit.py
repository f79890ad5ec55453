"""Edits a clinician makes to a plan: move a point, add or remove a thread, change a thread's fields.

Each edit is a typed value (the page, the JSON API and the command line all build the same ones);
:func:`apply_edits` applies a list of them and :func:`checked` then validates the result with
:func:`threadlift.plan.validate.validate`. Applying checks nothing on purpose: an edit that breaks a
rule is shown with the rule and its zone flags, never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from threadlift.clinic.catalogue import catalogue
from threadlift.plan.anatomy import missing
from threadlift.plan.checks import anaesthetic_plan, danger_flags
from threadlift.plan.model import Plan, Point, Reason, Side, Thread
from threadlift.plan.suggest import length_for, material_for, vectors_for
from threadlift.plan.validate import PlanInvalid, validate

NUDGE_MM = 4.0  # a thread added beside an existing one starts this far from it ([DESIGN])
ThreadId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
Coordinate = Annotated[float, Field(ge=-400, le=400, description="face frame, mm")]


class MovePoint(BaseModel):
    """Move a thread's entry, anchor or exit point (face frame: x toward the patient's left, y down)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    op: Literal["move"] = "move"
    thread: ThreadId
    point: Literal["entry", "anchor", "exit"]
    x_mm: Coordinate
    y_mm: Coordinate


class AddThread(BaseModel):
    """A new thread in ``area`` on ``side``: beside the area's last thread there, else the usual vector."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    op: Literal["add"] = "add"
    area: str = Field(min_length=1, max_length=40)
    side: Side


class RemoveThread(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    op: Literal["remove"] = "remove"
    thread: ThreadId


class SetThread(BaseModel):
    """Change a thread's design, material, gauge, length, cones, depth or anchoring (unset: unchanged)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    op: Literal["set"] = "set"
    thread: ThreadId
    design: str | None = Field(default=None, max_length=40)
    material: str | None = Field(default=None, max_length=40)
    gauge: str | None = Field(default=None, max_length=20)
    length_mm: float | None = Field(default=None, gt=0, le=600)
    cones: int | None = Field(default=None, ge=1, le=40)
    depth_plane: Literal["subdermal", "subcutaneous", "smas", "sub_smas"] | None = None
    anchored: bool | None = None


PlanEdit = Annotated[MovePoint | AddThread | RemoveThread | SetThread, Field(discriminator="op")]
EDITS: TypeAdapter[list[PlanEdit]] = TypeAdapter(list[PlanEdit])


@dataclass(frozen=True)
class CheckedPlan:
    """A plan after edits: valid (no problems, derived parts recomputed) or with every problem listed.
    Its danger-zone flags and anaesthetic plan are recomputed either way."""

    plan: Plan
    problems: list[str]

    @property
    def valid(self) -> bool:
        return not self.problems


def apply_edits(plan: Plan, edits: Sequence[MovePoint | AddThread | RemoveThread | SetThread]) -> Plan:
    """``plan`` with ``edits`` applied in order; raises :class:`PlanInvalid` for an edit that names a
    thread or area that does not exist (it cannot be applied at all)."""
    for edit in edits:
        if isinstance(edit, AddThread):
            plan = add_thread(plan, edit.area, edit.side)
        elif isinstance(edit, RemoveThread):
            _thread(plan, edit.thread)
            plan = plan.model_copy(update={"threads": [t for t in plan.threads if t.id != edit.thread]})
        elif isinstance(edit, MovePoint):
            plan = _replace(plan, _moved(_thread(plan, edit.thread), edit))
        else:
            plan = _replace(plan, _set(_thread(plan, edit.thread), edit))
    return plan


def checked(plan: Plan, edits: Sequence[MovePoint | AddThread | RemoveThread | SetThread] = ()) -> CheckedPlan:
    """Apply ``edits`` and validate: the plan with its problems (none when it may be saved)."""
    edited = apply_edits(plan, edits)
    try:
        return CheckedPlan(validate(edited), [])
    except PlanInvalid as error:
        if missing(edited.anatomy_mm):
            return CheckedPlan(edited, error.problems)  # no zones to flag against
        flagged = edited.model_copy(update={
            "danger_flags": danger_flags(edited),
            "local_anaesthetic": anaesthetic_plan(edited, edited.weight_kg, edited.jurisdiction)})
        return CheckedPlan(flagged, error.problems)


def add_thread(plan: Plan, area: str, side: Side) -> Plan:
    cat = catalogue()
    if area not in cat.areas:
        raise PlanInvalid([f"add: unknown area '{area}'; choose from {', '.join(cat.areas)}"])
    entry = cat.area(area)
    siblings = [t for t in plan.threads if t.area == area and t.side is side]
    if siblings:
        last = siblings[-1]
        vector = last.vector.model_copy(update={"exit": Point(x_mm=last.vector.exit.x_mm,
                                                              y_mm=round(last.vector.exit.y_mm + NUDGE_MM, 1))})
        thread = last.model_copy(update={"id": _new_id(plan, area, side), "vector": vector,
                                         "reasons": [Reason(text="added by the clinician beside " + last.id)]})
    else:
        try:
            [vector] = vectors_for(area, plan.anatomy_mm, side, 1, boost=False)
        except KeyError as missing:
            raise PlanInvalid([f"add: the plan has no anatomy point {missing} to place a {area} thread "
                               "(the neck is planned on a profile photo)"]) from None
        design = entry.designs[0]
        thread = Thread(id=_new_id(plan, area, side), area=area, side=side, design=design.value,
                        material=material_for(entry, ()).value, gauge=entry.gauge, length_mm=length_for(vector),
                        anchored=design.value == "barbed_unidirectional",
                        vector=vector.model_copy(update={"depth_plane": entry.depth_plane}),
                        reasons=[Reason(text=f"added by the clinician; vector: {entry.vector}",
                                        sources=entry.vector_sources)])
    return plan.model_copy(update={"threads": [*plan.threads, thread]})


def parse_edits(data: object) -> list[MovePoint | AddThread | RemoveThread | SetThread]:
    """Edits from JSON-like data (a list of objects with an ``op``); raises :class:`PlanInvalid`."""
    try:
        return EDITS.validate_python(data)
    except ValidationError as error:
        raise PlanInvalid([f"edits.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]) \
            from None


def _thread(plan: Plan, thread_id: str) -> Thread:
    found = next((t for t in plan.threads if t.id == thread_id), None)
    if found is None:
        raise PlanInvalid([f"edit: the plan has no thread {thread_id}; its threads are "
                           + (", ".join(t.id for t in plan.threads) or "none")])
    return found


def _replace(plan: Plan, thread: Thread) -> Plan:
    return plan.model_copy(update={"threads": [thread if t.id == thread.id else t for t in plan.threads]})


def _moved(thread: Thread, edit: MovePoint) -> Thread:
    point = Point(x_mm=round(edit.x_mm, 1), y_mm=round(edit.y_mm, 1))
    return thread.model_copy(update={"vector": thread.vector.model_copy(update={edit.point: point})})


def _set(thread: Thread, edit: SetThread) -> Thread:
    given = edit.model_dump(exclude={"op", "thread", "depth_plane"}, exclude_unset=True)
    # Unset or None: unchanged; except the cones, which a thread that is no longer coned drops.
    changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None or k == "cones"}
    if "length_mm" in changes:
        changes["length_mm"] = round(changes["length_mm"], 1)
    if edit.depth_plane is not None:
        changes["vector"] = thread.vector.model_copy(update={"depth_plane": edit.depth_plane})
    return Thread.model_validate({**thread.model_dump(), **changes})


def _new_id(plan: Plan, area: str, side: Side) -> str:
    taken = {t.id for t in plan.threads}
    n = 1
    while f"{side.value[0].upper()}-{area}-{n}" in taken:
        n += 1
    return f"{side.value[0].upper()}-{area}-{n}"
