"""Records leaving the clinic through the API: FHIR Bundles, patient documents, register CSVs and the
subject-access archive. Thin: each route calls one service (roles and audit live there)."""

from __future__ import annotations

import json
from datetime import date
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response

from threadlift.services import documents, exports, register_exports, subject_access
from threadlift.services.types import RegisterFilter
from threadlift.web.deps import CurrentUser, ServicesDep
from threadlift.web.downloads import CSV, FHIR_JSON, attachment

router = APIRouter(prefix="/api", tags=["exports"])


@router.get("/patients/{patient_id}/fhir", response_class=Response,
            responses={200: {"content": {FHIR_JSON: {}}, "description": "a FHIR Bundle of type collection"}})
def fhir_bundle(patient_id: UUID, services: ServicesDep, user: CurrentUser,
                version: Literal["R5", "R4B"] = "R5", pixels: bool = False) -> Response:
    """The patient's record as FHIR (clinician or admin; audited). Photos whose consent was withdrawn are left out."""
    bundle = exports.fhir_bundle(services, user, patient_id, version=version, include_pixels=pixels)
    return Response(json.dumps(bundle, ensure_ascii=False), media_type=FHIR_JSON, headers={"Cache-Control": "no-store"})


@router.get("/episodes/{episode_id}/documents/{kind}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def document(episode_id: UUID, kind: documents.DocumentKind, services: ServicesDep,
             user: CurrentUser) -> Response:
    pdf, name = documents.document(services, user, episode_id, kind)
    return attachment(pdf, "application/pdf", name)


@router.get("/patients/{patient_id}/subject-access", response_class=Response,
            responses={200: {"content": {"application/zip": {}}}})
def subject_access_archive(patient_id: UUID, services: ServicesDep, user: CurrentUser) -> Response:
    data, name = subject_access.archive(services, user, patient_id)
    return attachment(data, "application/zip", name)


@router.get("/registers/complications.csv", response_class=Response, responses={200: {"content": {CSV: {}}}})
def complications_csv(services: ServicesDep, user: CurrentUser, type: str = Query("", max_length=40),
                      product: str = Query("", max_length=120), lot: str = Query("", max_length=60),
                      area: str = Query("", max_length=40)) -> Response:
    scope = RegisterFilter(event_type=type or None, product=product or None, lot=lot.strip() or None,
                           area=area or None)
    text = register_exports.complications_csv(services, user, scope)
    return attachment(text, CSV, "complications.csv")


@router.get("/registers/recall.csv", response_class=Response, responses={200: {"content": {CSV: {}}}})
def recall_csv(services: ServicesDep, user: CurrentUser, lot: str = Query(min_length=1, max_length=60)) -> Response:
    return attachment(register_exports.recall_csv(services, user, lot.strip()), CSV, "lot-recall.csv")


@router.get("/followups/due.csv", response_class=Response, responses={200: {"content": {CSV: {}}}})
def follow_ups_due_csv(services: ServicesDep, user: CurrentUser, on: date | None = None,
                       within_days: int = Query(7, ge=0, le=366)) -> Response:
    return attachment(register_exports.follow_ups_due_csv(services, user, on=on, within_days=within_days), CSV,
                      "follow-ups-due.csv")


@router.get("/audit.csv", response_class=Response, responses={200: {"content": {CSV: {}}}})
def audit_csv(services: ServicesDep, user: CurrentUser, after_id: int = Query(0, ge=0, le=2**62)) -> Response:
    return attachment(register_exports.audit_csv(services, user, after_id=after_id), CSV,
                      "audit-trail.csv")
