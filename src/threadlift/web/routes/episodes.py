from __future__ import annotations

import json
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field, create_model

from threadlift.clinic import anaesthetic
from threadlift.clinic.adverse import AdverseEvent
from threadlift.clinic.anaesthetic import Agent
from threadlift.clinic.consultation import Consultation
from threadlift.clinic.discharge import AFTERCARE_SHEETS, AftercareSheet, Criterion
from threadlift.clinic.errors import InvalidInput, NotFound
from threadlift.clinic.followup import FollowUpStatus
from threadlift.clinic.procedure import ChecklistItem, EventKind, Side
from threadlift.services import episodes, photos, planning, records
from threadlift.services.people import get_patient
from threadlift.web.deps import CurrentUser, ServicesDep, quick_read
from threadlift.web.responses import reply

router = APIRouter(prefix="/api", tags=["episodes"])

ConsultationIn = create_model(  # the clinician is the signed-in user, never a field of the request
    "ConsultationIn", **{name: (field.annotation, field) for name, field in Consultation.model_fields.items()
                         if name != "clinician_id"})  # type: ignore[call-overload]


class OverrideIn(BaseModel):
    rule: str = Field(pattern=r"^[A-Z]{2,3}-\d{2}$")
    reason: str = Field(min_length=10, max_length=2000)


class ConsentIn(BaseModel):
    procedure_type: str = "thread_lift"
    document_version: str
    typed_name: str = Field(min_length=2, max_length=200)
    signature_png_base64: str = Field(min_length=20, max_length=800_000)


class PlanIn(BaseModel):
    areas: list[str] = Field(default_factory=list, description="the areas, when no marking map is given")
    note: str = Field(default="", max_length=4000)
    marking_map: dict[str, Any] | None = Field(default=None, description="a plan document (threadlift/plan/data/"
                                               "plan.schema.json); validated, its areas taken from its threads")


class ChecklistIn(BaseModel):
    item: ChecklistItem
    amount_g: float | None = Field(default=None, gt=0, le=30,
                                   description="grams of topical cream, with topical_anaesthetic_applied only")


class InjectionIn(BaseModel):
    agent: Agent = Agent.LIDOCAINE
    concentration_percent: float = Field(gt=0, le=4)
    volume_ml: float = Field(gt=0, le=60)
    with_adrenaline: bool
    site: str | None = Field(default=None, max_length=80)
    override_reason: str | None = Field(default=None, max_length=1000)


class ThreadIn(BaseModel):
    lot_id: UUID
    area: str = Field(min_length=1, max_length=40)
    side: Side
    vector: str = Field(min_length=1, max_length=200)
    anchored: bool = False
    entry_to_exit_mm: float | None = Field(default=None, gt=0, le=400)


class EventIn(BaseModel):
    kind: EventKind
    note: str | None = Field(default=None, max_length=1000)


class ObservationIn(BaseModel):
    pulse_bpm: int | None = Field(default=None, ge=20, le=250)
    systolic_mmhg: int | None = Field(default=None, ge=50, le=260)
    diastolic_mmhg: int | None = Field(default=None, ge=20, le=160)
    pain_score: int | None = Field(default=None, ge=0, le=10)
    active_bleeding: bool = False
    expanding_swelling: bool = False
    last_symptoms: bool = False
    note: str | None = Field(default=None, max_length=1000)


class DischargeIn(BaseModel):
    criteria: dict[Criterion, bool]
    aftercare_version: str


class FollowUpIn(BaseModel):
    status: FollowUpStatus
    note: str | None = Field(default=None, max_length=2000)


AdverseEventIn = create_model(
    "AdverseEventIn", **{name: (field.annotation, field) for name, field in AdverseEvent.model_fields.items()
                         if name not in ("id", "recorded_by")})  # type: ignore[call-overload]


class ReasonIn(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


class OptionalReasonIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


@router.get("/episodes/{episode_id}")
async def read_episode(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    return reply(await quick_read(services, episodes.get_episode, services, user, episode_id))


@router.put("/episodes/{episode_id}/consultation")
def put_consultation(episode_id: UUID, body: ConsultationIn, services: ServicesDep,  # type: ignore[valid-type]
                     user: CurrentUser) -> Consultation:
    return episodes.record_consultation(services, user, episode_id, body.model_dump())  # type: ignore[attr-defined]


@router.get("/episodes/{episode_id}/consultation")
def get_consultation(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Consultation:
    consultation = episodes.clinical_episode(services, user, episode_id, "consultation").consultation
    if consultation is None:
        raise NotFound("no consultation recorded yet")
    return consultation


@router.post("/episodes/{episode_id}/suitability")
def decide(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    return episodes.decide_suitability(services, user, episode_id)


@router.get("/episodes/{episode_id}/suitability")
def suitability(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    from threadlift.clinic.suitability import clearance_problems, effective_decision

    episode = episodes.clinical_episode(services, user, episode_id, "suitability")
    if episode.suitability is None:
        raise NotFound("suitability has not been decided yet")
    return {"result": episode.suitability, "overrides": episode.overrides,
            "effective_decision": effective_decision(episode.suitability, episode.overrides),
            "problems_before_procedure": clearance_problems(episode.suitability, episode.overrides)}


@router.post("/episodes/{episode_id}/suitability/overrides", status_code=201)
def override(episode_id: UUID, body: OverrideIn, services: ServicesDep, user: CurrentUser) -> Any:
    return episodes.override_finding(services, user, episode_id, body.rule, body.reason)


@router.get("/consent-documents")
def consent_documents(services: ServicesDep, user: CurrentUser) -> Any:
    return [{**d.model_dump(), "sha256": d.sha256} for d in records.consent_documents(services, user)]


@router.post("/episodes/{episode_id}/consents", status_code=201)
def sign_consent(episode_id: UUID, body: ConsentIn, request: Request, services: ServicesDep,
                 user: CurrentUser) -> Any:
    address = request.client.host if request.client else "unknown"
    return episodes.sign_consent(services, user, episode_id, procedure_type=body.procedure_type,
                                 document_version=body.document_version, typed_name=body.typed_name,
                                 signature_png_base64=body.signature_png_base64, client_address=address)


@router.get("/episodes/{episode_id}/consents")
def consents(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    consent = episodes.clinical_episode(services, user, episode_id, "consent").consent
    return [] if consent is None else [{**consent.model_dump(mode="json"), "intact": consent.verify()}]


@router.post("/episodes/{episode_id}/plan", status_code=201)
def plan(episode_id: UUID, body: PlanIn, services: ServicesDep, user: CurrentUser) -> Any:
    if body.marking_map is not None:
        return planning.save(services, user, episode_id, json.dumps(body.marking_map), body.note)
    if not body.areas:
        raise InvalidInput("give the plan's areas, or a marking map", rule="plan")
    return episodes.record_plan(services, user, episode_id, body.areas, body.note)


@router.get("/episodes/{episode_id}/plan")
def read_plan(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    """The saved plan, or (when none is saved) a suggestion from the baseline frontal photo, never stored."""
    view = planning.current(services, user, episode_id)
    return {"saved": view.saved, "marking_map": json.loads(planning.as_text(view.plan))}


@router.post("/episodes/{episode_id}/procedure", status_code=201)
def start_procedure(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    return episodes.start_procedure(services, user, episode_id).procedure


@router.get("/episodes/{episode_id}/procedure")
def procedure(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    episode = episodes.clinical_episode(services, user, episode_id, "procedure")
    if episode.procedure is None:
        raise NotFound("the procedure has not started")
    patient = get_patient(services, user, episode.patient_id)
    dose = anaesthetic.status(patient, services.policy, episode.procedure.injections, episode.procedure.topical_g) if (
        patient.weight_kg or patient.dosing_weight_kg) else None
    return {"record": episode.procedure, "dose": dose, "dose_warnings": episode.dose_warnings,
            "thread_warnings": episode.thread_warnings}


@router.post("/episodes/{episode_id}/procedure/checklist", status_code=201)
def checklist(episode_id: UUID, body: ChecklistIn, services: ServicesDep, user: CurrentUser) -> Any:
    return episodes.tick(services, user, episode_id, body.item, body.amount_g).procedure


@router.post("/episodes/{episode_id}/procedure/injections", status_code=201)
def inject(episode_id: UUID, body: InjectionIn, services: ServicesDep, user: CurrentUser) -> Any:
    return episodes.inject(services, user, episode_id, body.model_dump())


@router.post("/episodes/{episode_id}/procedure/threads", status_code=201)
def thread(episode_id: UUID, body: ThreadIn, services: ServicesDep, user: CurrentUser) -> Any:
    return episodes.place_thread(services, user, episode_id, lot_id=body.lot_id, area=body.area, side=body.side,
                                 vector=body.vector, anchored=body.anchored, entry_to_exit_mm=body.entry_to_exit_mm)


@router.post("/episodes/{episode_id}/procedure/events", status_code=201)
def event(episode_id: UUID, body: EventIn, services: ServicesDep, user: CurrentUser) -> Any:
    return episodes.record_event(services, user, episode_id, body.kind, body.note).procedure


@router.post("/episodes/{episode_id}/procedure/end")
def end_procedure(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    return episodes.end_procedure(services, user, episode_id).procedure


@router.post("/episodes/{episode_id}/observations", status_code=201)
def observe(episode_id: UUID, body: ObservationIn, services: ServicesDep, user: CurrentUser) -> Any:
    return episodes.observe(services, user, episode_id, body.model_dump())


@router.get("/episodes/{episode_id}/observations")
def observations(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    return episodes.clinical_episode(services, user, episode_id, "observations").observations


@router.post("/episodes/{episode_id}/discharge")
def discharge(episode_id: UUID, body: DischargeIn, services: ServicesDep, user: CurrentUser) -> Any:
    return {"follow_ups": episodes.discharge(services, user, episode_id, body.criteria, body.aftercare_version)}


@router.get("/aftercare/{version}")
def aftercare(version: str, user: CurrentUser) -> AftercareSheet:
    if version not in AFTERCARE_SHEETS:
        raise NotFound(f"no aftercare sheet {version}")
    return AFTERCARE_SHEETS[version]


@router.get("/episodes/{episode_id}/followups")
def follow_ups(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    return episodes.clinical_episode(services, user, episode_id, "follow_ups").follow_ups


@router.post("/episodes/{episode_id}/followups/{index}")
def complete_follow_up(episode_id: UUID, index: int, body: FollowUpIn, services: ServicesDep,
                       user: CurrentUser) -> Any:
    return episodes.complete_follow_up(services, user, episode_id, index, body.status, body.note)


@router.get("/followups/due")
def due(services: ServicesDep, user: CurrentUser, within_days: int = 7) -> Any:
    return episodes.follow_ups_due(services, user, within_days=within_days)


@router.post("/episodes/{episode_id}/adverse-events", status_code=201)
def add_adverse_event(episode_id: UUID, body: AdverseEventIn, services: ServicesDep,  # type: ignore[valid-type]
                      user: CurrentUser) -> Any:
    event = episodes.add_adverse_event(services, user, episode_id, body.model_dump())  # type: ignore[attr-defined]
    return {"event": event, "clavien_dindo": event.clavien_dindo, "tier": event.tier}


@router.get("/episodes/{episode_id}/adverse-events")
def adverse_events_of(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    episode = episodes.clinical_episode(services, user, episode_id, "adverse_events")
    procedure_on = episode.procedure.started_at.date() if episode.procedure else None
    today = services.clock().date()
    return [{"event": e, "clavien_dindo": e.clavien_dindo, "tier": e.tier,
             "prompts": e.prompts(procedure_on, today, services.policy.dimpling_review_days)}
            for e in episode.adverse_events]


@router.get("/adverse-events")
def register(services: ServicesDep, user: CurrentUser, serious: bool = False, type: str | None = None) -> Any:
    return records.adverse_events(services, user, serious_only=serious, event_type=type)


@router.post("/episodes/{episode_id}/cancel")
def cancel(episode_id: UUID, body: ReasonIn, services: ServicesDep, user: CurrentUser) -> Any:
    return {"state": episodes.cancel(services, user, episode_id, body.reason).state}


@router.post("/episodes/{episode_id}/close")
def close(episode_id: UUID, body: OptionalReasonIn, services: ServicesDep, user: CurrentUser) -> Any:
    return {"state": episodes.close(services, user, episode_id, body.reason).state}


@router.post("/episodes/{episode_id}/photos", status_code=201)
def upload_photo(episode_id: UUID, services: ServicesDep, user: CurrentUser, file: Annotated[UploadFile, File()],
                 view: Annotated[str, Form()], stage: Annotated[str, Form()] = "baseline") -> Any:
    data = file.file.read(photos.MAX_UPLOAD_BYTES + 1)
    return photos.upload(services, user, episode_id, data=data, view=view, stage=stage)


@router.get("/episodes/{episode_id}/photos")
def list_photos(episode_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    return photos.photos_of(services, user, episode_id)


@router.get("/photos/{photo_id}/image")
def photo_image(photo_id: UUID, services: ServicesDep, user: CurrentUser) -> Response:
    data, content_type = photos.photo_bytes(services, user, photo_id)
    return Response(content=data, media_type=content_type, headers={"Cache-Control": "no-store",
                                                                     "Content-Disposition": "inline"})


@router.post("/photo-consents/{consent_id}/withdraw")
def withdraw_photo_consent(consent_id: UUID, body: OptionalReasonIn, services: ServicesDep,
                           user: CurrentUser) -> Any:
    return records.withdraw_photo_consent(services, user, consent_id, body.reason)
