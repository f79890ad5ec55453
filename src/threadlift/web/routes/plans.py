"""Plans through the JSON API: read the saved or suggested plan, edit it as the plan page does, save it."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi import APIRouter

from threadlift.services import planning
from threadlift.services.planning import PlanEdits, PlanSubmission
from threadlift.services.types import Plan
from threadlift.web.deps import CurrentUser, ServicesDep

router = APIRouter(prefix="/api/episodes/{episode_id}/plan", tags=["plans"])


@router.get("")
def read_plan(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> dict[str, Any]:
    """The saved plan, or (when none is saved) a suggestion from the baseline frontal photo, never stored."""
    view = planning.current(services, user, episode_id)
    return {"saved": view.saved, "marking_map": json.loads(planning.as_text(view.plan))}


@router.post("", status_code=201)
def save_plan(episode_id: UUID, body: PlanSubmission, services: ServicesDep, user: CurrentUser) -> Plan:
    return planning.submit(services, user, episode_id, body)


@router.post("/edits")
def edit_plan(episode_id: UUID, body: PlanEdits, services: ServicesDep, user: CurrentUser) -> dict[str, Any]:
    """Edits as the plan page makes them (move a point, add or remove a thread, set a thread's design,
    material, gauge, length, cones, depth or anchoring), applied in order and checked together. The
    answer is the edited plan with its problems (none when it may be saved) and its danger-zone flags;
    with ``save``, a plan without problems is saved on the record."""
    edited = planning.edit(services, user, episode_id, body)
    return {"valid": edited.checked.valid, "saved": edited.saved, "problems": edited.problems,
            "danger_flags": [f.model_dump() for f in edited.plan.danger_flags],
            "marking_map": json.loads(planning.as_text(edited.plan))}
