from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from threadlift.services import consents, episodes, people
from threadlift.services.commands import GivePhotoConsent, OpenEpisode, RegisterPatient, UpdatePatient
from threadlift.services.types import Episode, Patient, PatientChanges, PatientDetails, PhotoConsent, PhotoConsentGrant
from threadlift.web.deps import CurrentUser, ServicesDep
from threadlift.web.responses import reply

router = APIRouter(prefix="/api/patients", tags=["patients"])


class PatientPage(BaseModel):
    total: int
    items: list[Patient]


@router.get("")
def search(services: ServicesDep, user: CurrentUser,
                 search: Annotated[str, Query(max_length=people.MAX_SEARCH_CHARACTERS)] = "",
                 limit: Annotated[int, Query(ge=1, le=people.MAX_PAGE)] = 50,
                 offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> Response:
    found, total = people.search_patients(services, user, search, limit, offset)
    return reply(PatientPage(total=total, items=found))


@router.post("", status_code=201)
def register(body: PatientDetails, services: ServicesDep, user: CurrentUser) -> Patient:
    return people.register_patient(services, user, RegisterPatient(details=body))


@router.get("/{patient_id}")
def read(patient_id: UUID, services: ServicesDep, user: CurrentUser) -> Patient:
    return people.get_patient(services, user, patient_id)


@router.patch("/{patient_id}")
def change(patient_id: UUID, body: PatientChanges, services: ServicesDep, user: CurrentUser) -> Patient:
    return people.update_patient(services, user, UpdatePatient(patient_id=patient_id, changes=body))


@router.get("/{patient_id}/episodes")
def list_episodes(patient_id: UUID, services: ServicesDep, user: CurrentUser) -> Response:
    return reply(episodes.episodes_of(services, user, patient_id))


@router.post("/{patient_id}/episodes", status_code=201)
def open_episode(patient_id: UUID, services: ServicesDep, user: CurrentUser) -> Episode:
    return episodes.open_episode(services, user, OpenEpisode(patient_id=patient_id))


@router.post("/{patient_id}/photo-consents", status_code=201)
def give_photo_consent(patient_id: UUID, body: PhotoConsentGrant, services: ServicesDep,
                       user: CurrentUser) -> PhotoConsent:
    return consents.give_photo_consent(services, user, GivePhotoConsent(patient_id=patient_id, grant=body))


@router.get("/{patient_id}/photo-consents")
def photo_consents(patient_id: UUID, services: ServicesDep, user: CurrentUser) -> list[PhotoConsent]:
    return consents.photo_consents(services, user, patient_id)


