"""Follow-ups and adverse events through the JSON API, and the register across patients."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query

from threadlift.services import aftercare, episodes, registers
from threadlift.services.aftercare import AdverseEventView
from threadlift.services.commands import AssessFollowUp, CompleteFollowUp, ReportAdverseEvent, UpdateAdverseEvent
from threadlift.services.types import (
    GAIS,
    AdverseEventReport,
    AssessmentEntry,
    EventProgress,
    FollowUp,
    FollowUpDue,
    FollowUpOutcome,
    RatingScale,
    RegisterFilter,
)
from threadlift.web.deps import CurrentUser, ServicesDep

router = APIRouter(prefix="/api", tags=["follow-up"])


@router.get("/episodes/{episode_id}/followups")
def follow_ups(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> list[FollowUp]:
    return episodes.clinical_episode(services, user, episode_id, "follow_ups").follow_ups


@router.post("/episodes/{episode_id}/followups/{index}")
def complete_follow_up(episode_id: UUID, index: Annotated[int, Path(ge=0, le=100)], body: FollowUpOutcome,
                       services: ServicesDep, user: CurrentUser) -> FollowUp:
    return aftercare.complete_follow_up(services, user, CompleteFollowUp(episode_id=episode_id, index=index,
                                                                         outcome=body))


@router.post("/episodes/{episode_id}/followups/{index}/assessment")
def assess_follow_up(episode_id: UUID, index: Annotated[int, Path(ge=0, le=100)], body: AssessmentEntry,
                     services: ServicesDep, user: CurrentUser) -> FollowUp:
    """Outcome ratings for a follow-up that took place: the clinician's and the patient's GAIS (standard form,
    1 very much improved ... 5 worse; stored with the scale's name, version and anchor direction) and the
    patient's report of the effect (still noticeable, or worn off about N weeks after the procedure)."""
    return aftercare.assess_follow_up(services, user, AssessFollowUp(episode_id=episode_id, index=index,
                                                                     assessment=body))


@router.get("/scales/gais")
def gais_scale(user: CurrentUser) -> RatingScale:
    """The GAIS as ThreadLift presents it: name, version, which score is best, and each score's label."""
    return GAIS


@router.get("/followups/due")
def due(services: ServicesDep, user: CurrentUser,
        within_days: Annotated[int, Query(ge=0, le=aftercare.MAX_DUE_WINDOW_DAYS)] = 7) -> list[FollowUpDue]:
    return aftercare.follow_ups_due(services, user, within_days=within_days)


@router.post("/episodes/{episode_id}/adverse-events", status_code=201)
def add_adverse_event(episode_id: UUID, body: AdverseEventReport, services: ServicesDep,
                      user: CurrentUser) -> AdverseEventView:
    return aftercare.report_adverse_event(services, user, ReportAdverseEvent(episode_id=episode_id, event=body))


@router.post("/episodes/{episode_id}/adverse-events/{index}/progress")
def update_adverse_event(episode_id: UUID, index: Annotated[int, Path(ge=0, le=10_000)], body: EventProgress,
                         services: ServicesDep, user: CurrentUser) -> AdverseEventView:
    """The event's outcome as it goes on: e.g. resolved, with the day it resolved."""
    return aftercare.update_adverse_event(services, user, UpdateAdverseEvent(episode_id, index, body))


@router.get("/episodes/{episode_id}/adverse-events")
def adverse_events_of(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> list[AdverseEventView]:
    return aftercare.adverse_events_of(services, user, episode_id)


@router.get("/adverse-events")
def register(services: ServicesDep, user: CurrentUser, serious: bool = False,
             type: Annotated[str | None, Query(max_length=40)] = None) -> Any:
    return registers.adverse_events(services, user, RegisterFilter(event_type=type, serious_only=serious))
