"""The patient page's record: the patient's details, episodes and photo consents, read together."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from threadlift.clinic.consent import PhotoConsent
from threadlift.clinic.episode import Episode
from threadlift.clinic.patient import Patient
from threadlift.clinic.staff import User
from threadlift.services.base import Services
from threadlift.services.consents import read_photo_consents
from threadlift.services.episodes import EpisodeStatus, read_episodes
from threadlift.services.people import read_patient


@dataclass(frozen=True)
class PatientSummary:
    patient: Patient
    episodes: list[Episode] | list[EpisodeStatus]  # whole for clinical staff; states and dates for reception
    photo_consents: list[PhotoConsent]


def patient_summary(svc: Services, actor: User, patient_id: UUID) -> PatientSummary:
    """What the patient page shows, read in one unit of work, each part with its own audit row (as
    :func:`~threadlift.services.people.get_patient`, :func:`~threadlift.services.episodes.episodes_of` and
    :func:`~threadlift.services.consents.photo_consents` record it), committed once."""
    with svc.uow(logs_reads=True) as uow:
        patient = read_patient(uow, svc, actor, patient_id)
        summary = PatientSummary(patient, read_episodes(uow, svc, actor, patient_id),
                                 read_photo_consents(uow, svc, actor, patient_id))
        uow.commit()
    return summary
