"""Edits a clinician makes to a plan: add or remove a thread, change a thread's fields or points.

Edits return a new plan; nothing is checked here (that is :func:`threadlift.plan.validate.validate`'s
job, run after every edit), so an edit that breaks a rule is shown with the rule, not lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threadlift.clinic.catalogue import catalogue
from threadlift.plan.model import Plan, Point, Reason, Side, Thread
from threadlift.plan.suggest import length_for, material_for, vectors_for

EDITABLE = ("design", "material", "gauge", "length_mm", "depth_plane", "anchored", "cones",
            "entry.x_mm", "entry.y_mm", "exit.x_mm", "exit.y_mm")
NUDGE_MM = 4.0  # a thread added beside an existing one starts this far from it ([DESIGN])


def add_thread(plan: Plan, area: str, side: Side) -> Plan:
    """A new thread in ``area`` on ``side``: beside the area's last thread there, else the usual vector."""
    entry = catalogue().area(area)
    siblings = [t for t in plan.threads if t.area == area and t.side is side]
    if siblings:
        last = siblings[-1]
        vector = last.vector.model_copy(update={"exit": Point(x_mm=last.vector.exit.x_mm,
                                                              y_mm=round(last.vector.exit.y_mm + NUDGE_MM, 1))})
        thread = last.model_copy(update={"id": _new_id(plan, area, side), "vector": vector,
                                         "reasons": [Reason(text="added by the clinician beside " + last.id)]})
    else:
        [vector] = vectors_for(area, plan.anatomy_mm, side, 1, boost=False)
        design = entry.designs[0]
        thread = Thread(id=_new_id(plan, area, side), area=area, side=side, design=design.value,
                        material=material_for(entry, ()).value, gauge=entry.gauge, length_mm=length_for(vector),
                        anchored=design.value == "barbed_unidirectional",
                        vector=vector.model_copy(update={"depth_plane": entry.depth_plane}),
                        reasons=[Reason(text=f"added by the clinician; vector: {entry.vector}",
                                        sources=entry.vector_sources)])
    return plan.model_copy(update={"threads": [*plan.threads, thread]})


def remove_thread(plan: Plan, thread_id: str) -> Plan:
    return plan.model_copy(update={"threads": [t for t in plan.threads if t.id != thread_id]})


def set_fields(plan: Plan, changes: Mapping[str, Mapping[str, str]]) -> Plan:
    """Apply form values per thread id (``{"L-jawline-1": {"design": "mono", "exit.y_mm": "64"}}``).

    Values are written as given (strings for numbers are converted where they parse); the model and
    :func:`validate` then judge them, so a bad value is reported against its thread, never dropped.
    """
    threads = []
    for thread in plan.threads:
        fields = changes.get(thread.id, {})
        if not fields:
            threads.append(thread)
            continue
        data: dict[str, Any] = thread.model_dump()
        for name, value in fields.items():
            if name not in EDITABLE:
                continue
            if "." in name:
                point, axis = name.split(".")
                data["vector"][point][axis] = _number(value)
            elif name == "anchored":
                data[name] = value in ("on", "true", "1", "yes")
            elif name in ("length_mm", "cones"):
                data[name] = None if value == "" and name == "cones" else _number(value)
            elif name == "depth_plane":
                data["vector"]["depth_plane"] = value
            else:
                data[name] = value
        threads.append(Thread.model_validate(data))
    return plan.model_copy(update={"threads": threads})


def _number(value: str) -> float | str:
    try:
        return round(float(value), 1)
    except ValueError:
        return value  # the model refuses it with its own message


def _new_id(plan: Plan, area: str, side: Side) -> str:
    taken = {t.id for t in plan.threads}
    n = 1
    while f"{side.value[0].upper()}-{area}-{n}" in taken:
        n += 1
    return f"{side.value[0].upper()}-{area}-{n}"
