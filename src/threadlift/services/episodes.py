"""Episodes: opening one, reading it (whole for clinical staff, its status for reception), and the
one way every use case changes it: load, let the domain decide, save, audit, commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from threadlift.clinic.corrections import AmendedField, Amendment, EnteredInError, EntryKind
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.followup import FollowUpStatus
from threadlift.clinic.patient import Patient
from threadlift.clinic.roles import Permission, allowed
from threadlift.clinic.staff import User
from threadlift.services import appointments
from threadlift.services.base import Services, record, require
from threadlift.services.commands import AmendEntry, CancelEpisode, CloseEpisode, MarkEnteredInError, OpenEpisode
from threadlift.services.ports import UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True)
class EpisodeStatus:
    """What a receptionist may see of an episode: no clinical content."""

    id: UUID
    patient_id: UUID
    state: State
    opened_at: datetime
    next_follow_up: date | None


@dataclass(frozen=True)
class EpisodeRecord:
    """An episode with its patient: what every clinical page shows at its head."""

    episode: Episode
    patient: Patient


def status_of(episode: Episode) -> EpisodeStatus:
    scheduled = [f.due_on for f in episode.follow_ups if f.status is FollowUpStatus.SCHEDULED]
    return EpisodeStatus(episode.id, episode.patient_id, episode.state, episode.opened_at,
                         min(scheduled) if scheduled else None)


def open_episode(svc: Services, actor: User, command: OpenEpisode) -> Episode:
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    with svc.uow() as uow:
        uow.patients.get(command.patient_id)
        episode = Episode(patient_id=command.patient_id, opened_at=svc.clock())
        uow.episodes.add(episode)
        record(uow, svc, actor, "create", "episode", episode.id)
        uow.commit()
        return episode


def episodes_of(svc: Services, actor: User, patient_id: UUID) -> list[Episode] | list[EpisodeStatus]:
    """Full episodes for clinical staff; states and dates only for reception."""
    with svc.uow(logs_reads=True) as uow:
        uow.patients.get(patient_id)
        episodes = read_episodes(uow, svc, actor, patient_id)
        uow.commit()
        return episodes


def read_episodes(uow: UnitOfWork, svc: Services, actor: User,
                  patient_id: UUID) -> list[Episode] | list[EpisodeStatus]:
    """The patient's episodes as ``actor`` may see them, read in the caller's unit of work (which commits
    the reading's audit row); the caller has found the patient."""
    require(actor, Permission.EPISODE_STATUS_READ)
    episodes = uow.episodes.for_patient(patient_id)
    clinical = allowed(actor.role, Permission.MEDICAL_READ)
    record(uow, svc, actor, "read" if clinical else "read_status", "episode", None, patient=str(patient_id),
           count=len(episodes))
    return episodes if clinical else [status_of(e) for e in episodes]


def get_episode(svc: Services, actor: User, episode_id: UUID) -> Episode | EpisodeStatus:
    require(actor, Permission.EPISODE_STATUS_READ)
    with svc.uow(logs_reads=True) as uow:
        episode = uow.episodes.get(episode_id)
        clinical = allowed(actor.role, Permission.MEDICAL_READ)
        record(uow, svc, actor, "read" if clinical else "read_status", "episode", episode_id)
        uow.commit()
        return episode if clinical else status_of(episode)


@dataclass(frozen=True)
class EpisodeOverview:
    """The episode page: the whole episode for clinical staff, its status for reception; the patient."""

    episode: Episode | EpisodeStatus
    patient: Patient


def overview(svc: Services, actor: User, episode_id: UUID) -> EpisodeOverview:
    require(actor, Permission.EPISODE_STATUS_READ)
    require(actor, Permission.DEMOGRAPHICS_READ)
    with svc.uow(logs_reads=True) as uow:
        episode = uow.episodes.get(episode_id)
        patient = uow.patients.get(episode.patient_id)
        record(uow, svc, actor, "read", "patient", episode.patient_id)
        if allowed(actor.role, Permission.MEDICAL_READ):
            record(uow, svc, actor, "read", "episode", episode_id)
            shown: Episode | EpisodeStatus = episode
        else:
            record(uow, svc, actor, "read_status", "episode", episode_id)
            shown = status_of(episode)
        uow.commit()
    return EpisodeOverview(shown, patient)


def clinical_episode(svc: Services, actor: User, episode_id: UUID, part: str) -> Episode:
    """The full episode, for reading one clinical part of it; reception is refused (audited as a read)."""
    return clinical_record(svc, actor, episode_id, part).episode


def clinical_record(svc: Services, actor: User, episode_id: UUID, part: str) -> EpisodeRecord:
    """The episode and its patient, read in one unit of work and audited as reads of both."""
    require(actor, Permission.MEDICAL_READ)
    with svc.uow(logs_reads=True) as uow:
        found = read_record(uow, svc, actor, episode_id, part)
        uow.commit()
        return found


def read_record(uow: UnitOfWork, svc: Services, actor: User, episode_id: UUID, part: str) -> EpisodeRecord:
    """Inside a use case's unit of work: the episode and its patient, each read logged."""
    episode = uow.episodes.get(episode_id)
    patient = uow.patients.get(episode.patient_id)
    record(uow, svc, actor, "read", "episode", episode_id, part=part)
    record(uow, svc, actor, "read", "patient", episode.patient_id)
    return EpisodeRecord(episode, patient)


def change_episode(svc: Services, actor: User, episode_id: UUID, permission: Permission, action: str,
                   change: Callable[[UnitOfWork, Episode], T], **detail: object) -> T:
    """Load the episode, let the domain change it, save, audit and commit, in one transaction."""
    require(actor, permission)
    with svc.uow() as uow:
        episode = uow.episodes.get(episode_id)
        result = change(uow, episode)
        uow.episodes.save(episode)
        record(uow, svc, actor, action, "episode", episode_id, state=episode.state.value, **detail)
        uow.commit()
    return result


def cancel(svc: Services, actor: User, command: CancelEpisode) -> Episode:
    def change(uow: UnitOfWork, episode: Episode) -> Episode:
        episode.cancel(svc.clock(), actor.id, command.cancellation.reason)
        return episode

    return change_episode(svc, actor, command.episode_id, Permission.MEDICAL_WRITE, "cancel", change)


def close(svc: Services, actor: User, command: CloseEpisode) -> Episode:
    def change(uow: UnitOfWork, episode: Episode) -> Episode:
        episode.close(svc.clock(), actor.id, command.closure.reason or None)
        appointments.episode_closed(uow, svc, actor, episode.id)
        return episode

    return change_episode(svc, actor, command.episode_id, Permission.MEDICAL_WRITE, "close", change)


# Who may correct what: the permission that records that kind of entry.
CORRECTING = {EntryKind.INJECTION: Permission.PROCEDURE_ASSIST, EntryKind.THREAD: Permission.PROCEDURE_ASSIST,
              EntryKind.OBSERVATION: Permission.PROCEDURE_ASSIST, EntryKind.ADVERSE_EVENT: Permission.ADVERSE_WRITE,
              EntryKind.CONSULTATION: Permission.MEDICAL_WRITE, EntryKind.CONSENT: Permission.CONSENT_TAKE}


def mark_entered_in_error(svc: Services, actor: User, command: MarkEnteredInError) -> EnteredInError:
    """An entry recorded in error: marked with the reason, kept on the record, audited (also after signing)."""
    entry = command.entry
    return change_episode(svc, actor, command.episode_id, CORRECTING[entry.kind], "entered_in_error",
                          lambda uow, episode: episode.mark_entered_in_error(entry, actor.id, svc.clock()),
                          kind=entry.kind.value, index=entry.index)


# Who may amend what: the permission that records that entry (the clinician's assessment, the nurse's notes).
AMENDING = {AmendedField.EXPECTATIONS: Permission.MEDICAL_WRITE, AmendedField.CONDITIONS: Permission.MEDICAL_WRITE,
            AmendedField.EXAMINATION_NOTE: Permission.MEDICAL_WRITE, AmendedField.OVERRIDE_REASON: Permission.OVERRIDE,
            AmendedField.PLAN_NOTE: Permission.MEDICAL_WRITE, AmendedField.PROCEDURE_NOTE: Permission.PROCEDURE_ASSIST,
            AmendedField.OBSERVATION_NOTE: Permission.PROCEDURE_ASSIST,
            AmendedField.ADVERSE_EVENT_DESCRIPTION: Permission.ADVERSE_WRITE,
            AmendedField.FOLLOW_UP_NOTE: Permission.FOLLOW_UP_WRITE}


def amend(svc: Services, actor: User, command: AmendEntry) -> Amendment:
    """A signed amendment appended to one clinical entry (also after signing), the original kept; audited with
    which entry, never its text."""
    entry = command.amendment
    return change_episode(svc, actor, command.episode_id, AMENDING[entry.field], "amend",
                          lambda uow, episode: episode.amend(entry, actor.id, svc.clock()),
                          field=entry.field.value, index=entry.index)
