"""Patients: search, registration, the patient page with photo consents and the episode timeline."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.services import consents, episodes, people
from threadlift.services.commands import (
    GivePhotoConsent,
    MarkPhotoConsentInError,
    OpenEpisode,
    RegisterPatient,
    UpdatePatient,
    WithdrawPhotoConsent,
)
from threadlift.services.patient_summary import patient_summary
from threadlift.services.types import (
    Correction,
    DomainError,
    InvalidInput,
    PatientChanges,
    PatientDetails,
    PhotoConsentGrant,
    PhotoConsentWithdrawal,
    PhotoScope,
    Sex,
)
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors, filled, form_values
from threadlift.web.pages.routing import page_router

router = page_router()
PAGE_SIZE = 25
SEXES = [s.value for s in Sex]


@router.get("/patients")
def patient_list(page: PageDep) -> Response:
    found, total = people.search_patients(page.services, page.user, "", PAGE_SIZE, 0)
    return page.render("patients.html", found=found, total=total, text="", offset=0, size=PAGE_SIZE)


@router.post("/patients/search")
def search(page: PageDep, form: FormDep) -> Response:
    """POST, so that a searched name never sits in a URL, a log or the browser history."""
    text = str(form.get("search", "")).strip()[:people.MAX_SEARCH_CHARACTERS]
    offset = str(form.get("offset", "0")).strip()
    start = int(offset) if offset.isdigit() and len(offset) < 7 else 0
    found, total = people.search_patients(page.services, page.user, text, PAGE_SIZE, start)
    template = "_patient_results.html" if page.request.headers.get("hx-request") else "patients.html"
    return page.render(template, found=found, total=total, text=text, offset=start, size=PAGE_SIZE)


@router.get("/patients/new")
def new_patient(page: PageDep) -> Response:
    page.require("demographics:write")
    return page.render("patient_form.html", values={}, errors={}, patient=None, sexes=SEXES)


@router.post("/patients")
def register(page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    try:
        details = PatientDetails.model_validate(filled(values, tuple(PatientDetails.model_fields)))
    except ValidationError as error:
        return page.render("patient_form.html", 422, values=values, errors=field_errors(error), patient=None,
                           sexes=SEXES)
    patient = people.register_patient(page.services, page.user, RegisterPatient(details=details))
    return page.redirect(f"/patients/{patient.id}")


@router.get("/patients/{patient_id}/edit")
def edit_patient(patient_id: UUID, page: PageDep) -> Response:
    patient = people.get_patient(page.services, page.user, patient_id)
    values = {k: "" if v is None else str(v) for k, v in patient.model_dump(include=set(PatientDetails.model_fields)
                                                                           ).items()}
    return page.render("patient_form.html", values=values, errors={}, patient=patient, sexes=SEXES)


@router.post("/patients/{patient_id}")
def update(patient_id: UUID, page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    try:  # every field of the form is sent: a blank one clears what was recorded
        fields = tuple(PatientChanges.model_fields)
        if not page.may("measurements:write"):  # the weights are not on reception's form (PRO-04)
            fields = tuple(name for name in fields if name not in people.DOSING_FIELDS)
        changes = PatientChanges.model_validate(filled(values, fields))
    except ValidationError as error:
        patient = people.get_patient(page.services, page.user, patient_id)
        return page.render("patient_form.html", 422, values=values, errors=field_errors(error), patient=patient,
                           sexes=SEXES)
    people.update_patient(page.services, page.user, UpdatePatient(patient_id=patient_id, changes=changes))
    return page.redirect(f"/patients/{patient_id}")


@router.get("/patients/{patient_id}")
def patient_page(patient_id: UUID, page: PageDep) -> Response:
    return _patient_page(page, patient_id)


def _patient_page(page: PageDep, patient_id: UUID, status: int = 200, **extra: Any) -> Response:
    summary = patient_summary(page.services, page.user, patient_id)
    today = page.services.today()
    return page.render("patient.html", status, patient=summary.patient, episodes=summary.episodes,
                       consents=summary.photo_consents, scopes=[s.value for s in PhotoScope],
                       age=summary.patient.age_on(today), **extra)


@router.post("/patients/{patient_id}/episodes")
def open_episode(patient_id: UUID, page: PageDep) -> Response:
    episode = episodes.open_episode(page.services, page.user, OpenEpisode(patient_id=patient_id))
    return page.redirect(f"/episodes/{episode.id}")


@router.post("/patients/{patient_id}/photo-consents")
def give_photo_consent(patient_id: UUID, page: PageDep, form: FormDep) -> Response:
    try:
        grant = PhotoConsentGrant.model_validate({"scopes": [str(s) for s in form.getlist("scopes")]})
    except ValidationError:
        return _patient_page(page, patient_id, 422, consent_error="Tick at least one use the patient agrees to.")
    try:
        consents.give_photo_consent(page.services, page.user, GivePhotoConsent(patient_id=patient_id, grant=grant))
    except DomainError as error:
        return _patient_page(page, patient_id, 422, consent_error=domain_message(error))
    return page.redirect(f"/patients/{patient_id}#photo-consents")


@router.post("/patients/{patient_id}/photo-consents/{consent_id}/withdraw")
def withdraw_photo_consent(patient_id: UUID, consent_id: UUID, page: PageDep, form: FormDep) -> Response:
    withdrawal = PhotoConsentWithdrawal.model_validate(filled(form_values(form), ("reason",)))
    consents.withdraw_photo_consent(page.services, page.user, WithdrawPhotoConsent(
        consent_id=consent_id, withdrawal=withdrawal, patient_id=patient_id))
    return page.redirect(f"/patients/{patient_id}#photo-consents")


@router.post("/patients/{patient_id}/photo-consents/{consent_id}/entered-in-error")
def photo_consent_in_error(patient_id: UUID, consent_id: UUID, page: PageDep, form: FormDep) -> Response:
    try:
        correction = Correction.model_validate({"reason": str(form.get("reason", ""))})
        consents.mark_photo_consent_in_error(page.services, page.user, MarkPhotoConsentInError(
            consent_id=consent_id, correction=correction, patient_id=patient_id))
    except ValidationError as error:
        return _patient_page(page, patient_id, 422, consent_error="Not marked as entered in error: "
                             + "; ".join(field_errors(error).values()))
    except InvalidInput as error:
        return _patient_page(page, patient_id, 409, consent_error=domain_message(error))
    return page.redirect(f"/patients/{patient_id}#photo-consents")
