"""The portal's staff side through the JSON API: the same use cases as the pages (portal status,
invitations, drafted adverse events from red-flag check-ins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from threadlift.services import checkins, portal, portal_staff
from threadlift.web.deps import CurrentUser, ServicesDep

router = APIRouter(prefix="/api", tags=["portal"])


class CheckInOut(BaseModel):
    id: str
    after_hours: int
    opens_at: datetime
    answered_at: datetime | None
    late: bool
    triage_level: str | None


class CheckInAnswerOut(BaseModel):
    question: str
    answer: str


class CheckInDetailOut(CheckInOut):
    episode_id: str
    patient_id: str
    answers: dict[str, CheckInAnswerOut]  # by question key, as the patient read it and answered
    comment: str
    triage_rules: list[str]
    triage_sources: list[str]
    photo_id: str | None
    photo_quality_ok: bool | None
    draft_id: str | None
    draft_status: str | None


class EpisodePortalOut(BaseModel):
    episode_id: UUID
    questionnaire_sent: bool
    questionnaire_reviewed: bool
    aftercare_acknowledged: bool
    check_ins: list[CheckInOut]


class PortalStatusOut(BaseModel):
    invited_at: datetime | None
    signed_in_at: datetime | None
    episodes: list[EpisodePortalOut]


class InvitationOut(BaseModel):
    invited_at: datetime


class DraftOut(BaseModel):
    id: str
    episode_id: str
    patient_id: str
    type: str
    tier: str
    reasons: list[str]
    lot_ids: list[str]
    created_at: datetime


class Confirmation(BaseModel):
    severity: Annotated[int, Field(ge=1, le=3)] = 2
    serious: bool = False
    description: Annotated[str | None, Field(max_length=2000)] = None


@router.get("/patients/{patient_id}/portal")
def portal_status(patient_id: UUID, services: ServicesDep, user: CurrentUser) -> PortalStatusOut:
    found = portal_staff.portal_status(services, user, patient_id)
    return PortalStatusOut(invited_at=found.invited_at, signed_in_at=found.signed_in_at, episodes=[
        EpisodePortalOut(episode_id=e.episode_id, questionnaire_sent=e.questionnaire is not None,
                         questionnaire_reviewed=bool(e.questionnaire and e.questionnaire.reviewed_at),
                         aftercare_acknowledged=e.aftercare_acknowledged,
                         check_ins=[CheckInOut(id=c.id, after_hours=c.after_hours, opens_at=c.opens_at,
                                               answered_at=c.answered_at, late=c.late, triage_level=c.triage_level)
                                    for c in e.check_ins])
        for e in found.episodes])


@router.get("/check-ins/{check_in_id}")
def check_in(check_in_id: UUID, services: ServicesDep, user: CurrentUser) -> CheckInDetailOut:
    """A patient's check-in with their answers and its triage (the rules that applied, each with its source)."""
    view = portal_staff.check_in_for_staff(services, user, str(check_in_id))
    c = view.check_in
    return CheckInDetailOut(
        id=c.id, after_hours=c.after_hours, opens_at=c.opens_at, answered_at=c.answered_at, late=c.late,
        triage_level=c.triage_level, episode_id=c.episode_id, patient_id=c.patient_id,
        answers={key: CheckInAnswerOut(question=question, answer=answer) for key, question, answer in view.answers},
        comment=view.comment, triage_rules=[key for key, _ in view.rules],
        triage_sources=[source for _, source in view.rules],
        photo_id=c.photo_id, photo_quality_ok=c.photo_quality_ok, draft_id=view.draft.id if view.draft else None,
        draft_status=view.draft.status if view.draft else None)


@router.post("/patients/{patient_id}/portal/invitation", status_code=201)
def invite(patient_id: UUID, services: ServicesDep, user: CurrentUser) -> InvitationOut:
    """(Re)send the portal invitation: a new one-time sign-in link to the address on record."""
    return InvitationOut(invited_at=portal.invite(services, user, patient_id))


@router.get("/adverse-drafts")
def drafts(services: ServicesDep, user: CurrentUser) -> list[DraftOut]:
    """Adverse events drafted from red-flag check-ins, waiting for a clinician (urgent)."""
    return [DraftOut(id=d.draft.id, episode_id=d.draft.episode_id, patient_id=d.draft.patient_id, type=d.draft.type,
                     tier=d.draft.tier, reasons=d.draft.reasons, lot_ids=d.draft.lot_ids, created_at=d.draft.created_at)
            for d in checkins.urgent_drafts(services, user)]


@router.post("/adverse-drafts/{draft_id}/confirmation", status_code=201)
def confirm(draft_id: UUID, body: Confirmation, services: ServicesDep, user: CurrentUser) -> dict[str, str]:
    event = checkins.confirm_draft(services, user, str(draft_id), severity=body.severity,
                                   description=body.description, serious=body.serious)
    return {"event_id": str(event.id)}
