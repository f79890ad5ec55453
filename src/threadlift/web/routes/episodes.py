"""Episodes through the JSON API: the record, the consultation, suitability, consent, cancel and close."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response

from threadlift.services import consents, consultation, episodes
from threadlift.services.commands import (
    AmendEntry,
    CancelEpisode,
    CloseEpisode,
    DecideSuitability,
    MarkEnteredInError,
    OverrideFinding,
    RecordConsultation,
    SignConsent,
)
from threadlift.services.consultation import SuitabilityView
from threadlift.services.types import (
    Amendment,
    AmendmentEntry,
    Cancellation,
    Closure,
    ConsentSignature,
    Consultation,
    ConsultationEntry,
    EnteredInError,
    ErrorEntry,
    Override,
    OverrideEntry,
    SignedConsent,
    State,
    SuitabilityResult,
)
from threadlift.web.deps import CurrentUser, ServicesDep
from threadlift.web.responses import reply

router = APIRouter(prefix="/api", tags=["episodes"])


@router.get("/episodes/{episode_id}")
def read_episode(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Response:
    return reply(episodes.get_episode(services, user, episode_id))


@router.put("/episodes/{episode_id}/consultation")
def put_consultation(episode_id: UUID, body: ConsultationEntry, services: ServicesDep, user: CurrentUser,
                     decide: bool = False) -> Any:
    """Record the consultation; ``?decide=true`` also decides suitability, in the same transaction."""
    outcome = consultation.record_consultation(services, user, RecordConsultation(
        episode_id=episode_id, consultation=body, decide_suitability=decide))
    if not decide:
        return outcome.consultation
    return {"consultation": outcome.consultation, "suitability": outcome.suitability}


@router.get("/episodes/{episode_id}/consultation")
def get_consultation(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Consultation:
    return consultation.consultation_of(services, user, episode_id)


@router.post("/episodes/{episode_id}/suitability")
def decide(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> SuitabilityResult:
    return consultation.decide_suitability(services, user, DecideSuitability(episode_id=episode_id))


@router.get("/episodes/{episode_id}/suitability")
def suitability(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> SuitabilityView:
    return consultation.suitability_view(services, user, episode_id)


@router.post("/episodes/{episode_id}/suitability/overrides", status_code=201)
def override(episode_id: UUID, body: OverrideEntry, services: ServicesDep, user: CurrentUser) -> Override:
    return consultation.override_finding(services, user, OverrideFinding(episode_id=episode_id, override=body))


@router.get("/consent-documents")
def consent_documents(services: ServicesDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [{**d.model_dump(), "sha256": d.sha256} for d in consents.consent_documents(services, user)]


@router.post("/episodes/{episode_id}/consents", status_code=201)
def sign_consent(episode_id: UUID, body: ConsentSignature, request: Request, services: ServicesDep,
                 user: CurrentUser) -> SignedConsent:
    address = request.client.host if request.client else "unknown"
    return consents.sign_consent(services, user, SignConsent(episode_id=episode_id, signature=body,
                                                             client_address=address))


@router.get("/episodes/{episode_id}/consents")
def consents_of(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> list[dict[str, Any]]:
    consent, intact = consents.consent_of(services, user, episode_id)
    return [] if consent is None else [{**consent.model_dump(mode="json"), "intact": intact}]


@router.post("/episodes/{episode_id}/cancel")
def cancel(episode_id: UUID, body: Cancellation, services: ServicesDep, user: CurrentUser) -> dict[str, State]:
    return {"state": episodes.cancel(services, user, CancelEpisode(episode_id=episode_id, cancellation=body)).state}


@router.post("/episodes/{episode_id}/close")
def close(episode_id: UUID, body: Closure, services: ServicesDep, user: CurrentUser) -> dict[str, State]:
    return {"state": episodes.close(services, user, CloseEpisode(episode_id=episode_id, closure=body)).state}


@router.post("/episodes/{episode_id}/entered-in-error", status_code=201)
def entered_in_error(episode_id: UUID, body: ErrorEntry, services: ServicesDep, user: CurrentUser) -> EnteredInError:
    """Mark an injection, thread, observation or adverse event as recorded in error, with the reason. The entry
    stays on the record (and in exports, with its status); it no longer counts (dose total, stock, registers)."""
    return episodes.mark_entered_in_error(services, user, MarkEnteredInError(episode_id=episode_id, entry=body))


@router.post("/episodes/{episode_id}/amendments", status_code=201)
def amend(episode_id: UUID, body: AmendmentEntry, services: ServicesDep, user: CurrentUser) -> Amendment:
    """Append a signed amendment to a clinical entry's text (consultation, examination, override reason, plan note,
    procedure or observation note, adverse event description, follow-up note), also after the record is signed
    and locked: the original stays on the record beside it, with who amended it, when and why."""
    return episodes.amend(services, user, AmendEntry(episode_id=episode_id, amendment=body))
