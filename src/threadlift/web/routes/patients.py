from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, EmailStr, Field

from threadlift.clinic.episode import Episode
from threadlift.clinic.patient import Patient, Sex
from threadlift.services import episodes, people, records
from threadlift.web.deps import CurrentUser, ServicesDep, quick_read
from threadlift.web.responses import reply

router = APIRouter(prefix="/api/patients", tags=["patients"])


class PatientIn(BaseModel):
    family_name: str = Field(min_length=1, max_length=100)
    given_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date
    sex: Sex
    phone: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = None
    weight_kg: float | None = Field(default=None, gt=20, lt=400)
    height_cm: float | None = Field(default=None, gt=100, lt=250)
    dosing_weight_kg: float | None = Field(default=None, gt=20, lt=400)


class PatientPatch(BaseModel):
    family_name: str | None = Field(default=None, min_length=1, max_length=100)
    given_name: str | None = Field(default=None, min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = None
    weight_kg: float | None = Field(default=None, gt=20, lt=400)
    height_cm: float | None = Field(default=None, gt=100, lt=250)
    dosing_weight_kg: float | None = Field(default=None, gt=20, lt=400)


class PatientPage(BaseModel):
    total: int
    items: list[Patient]


class PhotoConsentIn(BaseModel):
    scopes: list[str] = Field(min_length=1)


@router.get("")
async def search(services: ServicesDep, user: CurrentUser, search: str = Query(default="", max_length=200),
                 limit: int = Query(default=50, ge=1, le=200), offset: int = Query(default=0, ge=0)) -> Any:
    found, total = await quick_read(services, people.search_patients, services, user, search, limit, offset)
    return reply(PatientPage(total=total, items=found))


@router.post("", status_code=201)
def register(body: PatientIn, services: ServicesDep, user: CurrentUser) -> Patient:
    return people.register_patient(services, user, body.model_dump())


@router.get("/{patient_id}")
def read(patient_id: UUID, services: ServicesDep, user: CurrentUser) -> Patient:
    return people.get_patient(services, user, patient_id)


@router.patch("/{patient_id}")
def change(patient_id: UUID, body: PatientPatch, services: ServicesDep, user: CurrentUser) -> Patient:
    return people.update_patient(services, user, patient_id, body.model_dump(exclude_unset=True))


@router.get("/{patient_id}/episodes")
def list_episodes(patient_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    return reply(episodes.episodes_of(services, user, patient_id))


@router.post("/{patient_id}/episodes", status_code=201)
def open_episode(patient_id: UUID, services: ServicesDep, user: CurrentUser) -> Episode:
    return episodes.open_episode(services, user, patient_id)


@router.post("/{patient_id}/photo-consents", status_code=201)
def give_photo_consent(patient_id: UUID, body: PhotoConsentIn, services: ServicesDep, user: CurrentUser) -> Any:
    return records.give_photo_consent(services, user, patient_id, body.scopes)


@router.get("/{patient_id}/photo-consents")
def photo_consents(patient_id: UUID, services: ServicesDep, user: CurrentUser) -> Any:
    return records.photo_consents(services, user, patient_id)

