"""Patients: search, registration, the patient page with photo consents and the episode timeline."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.clinic.consent import PhotoScope
from threadlift.clinic.errors import DomainError
from threadlift.clinic.patient import Sex
from threadlift.services import episodes, people, records
from threadlift.web.pages.common import PageDep, domain_message, field_errors, form_values
from threadlift.web.pages.routing import page_router

router = page_router()
PAGE_SIZE = 25
PATIENT_FIELDS = ("family_name", "given_name", "date_of_birth", "sex", "phone", "email", "weight_kg", "height_cm",
                  "dosing_weight_kg")


@router.get("/patients")
def patient_list(page: PageDep) -> Response:
    found, total = people.search_patients(page.services, page.user, "", PAGE_SIZE, 0)
    return page.render("patients.html", found=found, total=total, text="", offset=0, size=PAGE_SIZE)


@router.post("/patients/search")
async def search(page: PageDep) -> Response:
    """POST, so that a searched name never sits in a URL, a log or the browser history."""
    form = await page.request.form()
    text = str(form.get("search", "")).strip()[:200]
    offset = max(0, int(str(form.get("offset", "0")) or 0))
    found, total = people.search_patients(page.services, page.user, text, PAGE_SIZE, offset)
    template = "_patient_results.html" if page.request.headers.get("hx-request") else "patients.html"
    return page.render(template, found=found, total=total, text=text, offset=offset, size=PAGE_SIZE)


@router.get("/patients/new")
def new_patient(page: PageDep) -> Response:
    page.require("demographics:write")
    return page.render("patient_form.html", values={}, errors={}, patient=None, sexes=[s.value for s in Sex])


@router.post("/patients")
async def register(page: PageDep) -> Response:
    values = form_values(await page.request.form())
    try:
        patient = people.register_patient(page.services, page.user, _patient_fields(values))
    except ValidationError as error:
        return page.render("patient_form.html", 422, values=values, errors=field_errors(error), patient=None,
                           sexes=[s.value for s in Sex])
    return page.redirect(f"/patients/{patient.id}")


@router.get("/patients/{patient_id}/edit")
def edit_patient(patient_id: UUID, page: PageDep) -> Response:
    patient = people.get_patient(page.services, page.user, patient_id)
    values = {k: "" if v is None else str(v) for k, v in patient.model_dump(include=set(PATIENT_FIELDS)).items()}
    return page.render("patient_form.html", values=values, errors={}, patient=patient, sexes=[s.value for s in Sex])


@router.post("/patients/{patient_id}")
async def update(patient_id: UUID, page: PageDep) -> Response:
    values = form_values(await page.request.form())
    changes = _patient_fields(values)
    changes.pop("date_of_birth", None)
    changes.pop("sex", None)
    try:
        people.update_patient(page.services, page.user, patient_id, changes)
    except ValidationError as error:
        patient = people.get_patient(page.services, page.user, patient_id)
        return page.render("patient_form.html", 422, values=values, errors=field_errors(error), patient=patient,
                           sexes=[s.value for s in Sex])
    return page.redirect(f"/patients/{patient_id}")


@router.get("/patients/{patient_id}")
def patient_page(patient_id: UUID, page: PageDep) -> Response:
    return _patient_page(page, patient_id)


def _patient_page(page: PageDep, patient_id: UUID, status: int = 200, **extra: Any) -> Response:
    patient = people.get_patient(page.services, page.user, patient_id)
    found = episodes.episodes_of(page.services, page.user, patient_id)
    consents = records.photo_consents(page.services, page.user, patient_id)
    today = page.services.clock().date()
    return page.render("patient.html", status, patient=patient, episodes=found, consents=consents,
                       scopes=[s.value for s in PhotoScope], age=patient.age_on(today), **extra)


@router.post("/patients/{patient_id}/episodes")
def open_episode(patient_id: UUID, page: PageDep) -> Response:
    episode = episodes.open_episode(page.services, page.user, patient_id)
    return page.redirect(f"/episodes/{episode.id}")


@router.post("/patients/{patient_id}/photo-consents")
async def give_photo_consent(patient_id: UUID, page: PageDep) -> Response:
    form = await page.request.form()
    scopes = [str(s) for s in form.getlist("scopes")]
    if not scopes:
        return _patient_page(page, patient_id, 422, consent_error="Tick at least one use the patient agrees to.")
    try:
        records.give_photo_consent(page.services, page.user, patient_id, scopes)
    except (ValidationError, DomainError) as error:
        message = domain_message(error) if isinstance(error, DomainError) else "; ".join(
            e["msg"] for e in error.errors())
        return _patient_page(page, patient_id, 422, consent_error=message)
    return page.redirect(f"/patients/{patient_id}#photo-consents")


@router.post("/patients/{patient_id}/photo-consents/{consent_id}/withdraw")
async def withdraw_photo_consent(patient_id: UUID, consent_id: UUID, page: PageDep) -> Response:
    form = await page.request.form()
    reason = str(form.get("reason", "")).strip() or None
    records.withdraw_photo_consent(page.services, page.user, consent_id, reason)
    return page.redirect(f"/patients/{patient_id}#photo-consents")


def _patient_fields(values: dict[str, str]) -> dict[str, Any]:
    """Form strings to patient fields: blanks are 'not recorded', never an empty string."""
    return {name: (values.get(name) or None) for name in PATIENT_FIELDS}
