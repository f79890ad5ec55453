"""Downloads from the pages: patient documents (PDF), the FHIR record, register CSVs filtered as on
screen, the subject-access archive. The same use cases as the API; files are attachments, never cached.
Handlers are plain functions: FastAPI runs them on its thread pool (an outcome report or an archive
analyses photos and draws PDFs for seconds)."""

from __future__ import annotations

import json
from typing import Annotated
from uuid import UUID

from fastapi import Query
from fastapi.responses import Response

from threadlift.services import dashboard, documents, exports, register_exports, subject_access
from threadlift.services.types import InvalidInput, RegisterFilter
from threadlift.web.downloads import CSV, FHIR_JSON, attachment
from threadlift.web.pages.common import FormDep, PageDep
from threadlift.web.pages.routing import page_router

router = page_router()
Filter = Annotated[str, Query(max_length=120)]


@router.get("/episodes/{episode_id}/documents/{kind}.pdf")
def document(episode_id: UUID, kind: documents.DocumentKind,
             page: PageDep) -> Response:
    pdf, name = documents.document(page.services, page.user, episode_id, kind)
    return attachment(pdf, "application/pdf", name)


@router.get("/patients/{patient_id}/fhir.json")
def fhir_record(patient_id: UUID, page: PageDep) -> Response:
    bundle = exports.fhir_bundle(page.services, page.user, patient_id)
    return attachment(json.dumps(bundle, indent=1, ensure_ascii=False), FHIR_JSON, "record.fhir.json")


@router.post("/patients/{patient_id}/subject-access")
def patient_subject_access(patient_id: UUID, page: PageDep) -> Response:
    data, name = subject_access.archive(page.services, page.user, patient_id)
    return attachment(data, "application/zip", name)


@router.post("/admin/subject-access")
def admin_subject_access(page: PageDep, form: FormDep) -> Response:
    try:
        patient_id = UUID(str(form.get("patient_id", "")).strip())
    except ValueError:
        raise InvalidInput("enter the patient's id as shown on their page (a UUID)", rule="patient_id") from None
    data, name = subject_access.archive(page.services, page.user, patient_id)
    return attachment(data, "application/zip", name)


@router.get("/registers/complications.csv")
def complications_csv(page: PageDep, type: Filter = "", product: Filter = "", lot: Filter = "",
                      area: Filter = "") -> Response:
    scope = RegisterFilter(event_type=type or None, product=product or None, lot=lot.strip() or None,
                           area=area or None)  # as the register page reads its filters
    return attachment(register_exports.complications_csv(page.services, page.user, scope), CSV, "complications.csv")


@router.post("/registers/recall.csv")
def recall_csv(page: PageDep, form: FormDep) -> Response:
    lot = str(form.get("lot", "")).strip()[:60]
    if not lot:
        raise InvalidInput("enter the lot number to recall", rule="lot")
    return attachment(register_exports.recall_csv(page.services, page.user, lot), CSV, "lot-recall.csv")


@router.get("/followups/due.csv")
def follow_ups_due_csv(page: PageDep) -> Response:
    """The dashboard's list of follow-ups due (overdue, or due within its days), every row of it."""
    text = register_exports.follow_ups_due_csv(page.services, page.user, within_days=dashboard.FOLLOW_UPS_WITHIN_DAYS)
    return attachment(text, CSV, "follow-ups-due.csv")


@router.get("/admin/audit.csv")
def audit_csv(page: PageDep) -> Response:
    return attachment(register_exports.audit_csv(page.services, page.user), CSV, "audit-trail.csv")
