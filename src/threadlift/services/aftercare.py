"""After the procedure: observation, discharge with its follow-ups, the follow-up visits and the
adverse events recorded at them, with the tasks each event raises (AE-02..AE-05)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from threadlift.clinic.adverse import AdverseEvent
from threadlift.clinic.discharge import DischargeDecision, ObservationRecord
from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import InvalidInput
from threadlift.clinic.followup import FollowUp
from threadlift.clinic.patient import Patient
from threadlift.clinic.photos import PhotoStage, StagedPhoto, with_baselines
from threadlift.clinic.registers import FollowUpDue
from threadlift.clinic.roles import Permission, allowed
from threadlift.clinic.staff import User
from threadlift.clinic.when import check_day
from threadlift.services import documents
from threadlift.services.appointments import DiaryEntry, episode_appointments, follow_up_recorded, follow_up_windows
from threadlift.services.base import Services, record, require
from threadlift.services.commands import (
    AssessFollowUp,
    CompleteFollowUp,
    Discharge,
    RecordObservation,
    ReportAdverseEvent,
    UpdateAdverseEvent,
)
from threadlift.services.episodes import change_episode, clinical_episode, read_record
from threadlift.services.photos import StoredPhoto, stored_photos
from threadlift.services.ports import UnitOfWork

MAX_DUE_WINDOW_DAYS = 366
PAIRS_SHOWN = 12  # a follow-up page lists the newest pairs; an episode photographed at every visit has a few


@dataclass(frozen=True)
class AdverseEventView:
    event: AdverseEvent
    clavien_dindo: str
    tier: str
    prompts: list[str]


@dataclass(frozen=True)
class FollowUpView:
    episode: Episode
    patient: Patient
    events: list[AdverseEventView]
    comparable: list[tuple[StoredPhoto, StoredPhoto]]  # (baseline, follow-up) pairs of the same view, newest last
    documents: list[str]  # the documents the page may offer (services/documents.py decides)
    booked: dict[int, DiaryEntry]  # follow-up position -> its booked appointment (empty without the diary)
    earlier_pairs: int = 0  # pairs left out of ``comparable``, the oldest (the page offers them all on request)


def observe(svc: Services, actor: User, command: RecordObservation) -> ObservationRecord:
    observation = ObservationRecord(**command.observation.model_dump(), at=svc.clock(), by=actor.id)

    def change(uow: UnitOfWork, episode: Episode) -> ObservationRecord:
        episode.observe(observation)
        return observation

    return change_episode(svc, actor, command.episode_id, Permission.PROCEDURE_ASSIST, "observation", change)


def discharge(svc: Services, actor: User, command: Discharge) -> list[FollowUp]:
    decision = command.decision
    return change_episode(svc, actor, command.episode_id, Permission.DISCHARGE, "discharge",
                          lambda uow, e: _discharge(svc, actor, e, decision))


def _discharge(svc: Services, actor: User, episode: Episode, decision: DischargeDecision) -> list[FollowUp]:
    now = svc.clock()
    return episode.discharge_patient(svc.policy, decision.criteria, decision.aftercare_version, now, actor.id,
                                     on=svc.date_of(now))


def complete_follow_up(svc: Services, actor: User, command: CompleteFollowUp) -> FollowUp:
    """Record how a follow-up went; with GAIS and the patient's report of the effect when it took place."""
    outcome = command.outcome

    def change(uow: UnitOfWork, episode: Episode) -> FollowUp:
        done = episode.complete_follow_up(command.index, outcome.status, svc.clock(), actor.id, outcome.note,
                                          outcome.assessment)
        follow_up_recorded(uow, svc, actor, episode.id, command.index, outcome.status)  # its booked appointment
        return done

    return change_episode(svc, actor, command.episode_id, Permission.FOLLOW_UP_WRITE, "follow_up", change,
                          index=command.index, rated=outcome.assessment is not None)


def assess_follow_up(svc: Services, actor: User, command: AssessFollowUp) -> FollowUp:
    """Add outcome ratings to a follow-up already recorded as done (OUT-01, OUT-03)."""
    return change_episode(svc, actor, command.episode_id, Permission.FOLLOW_UP_WRITE, "outcome_rating",
                          lambda uow, e: e.assess_follow_up(command.index, command.assessment, svc.clock(), actor.id),
                          index=command.index)


def report_adverse_event(svc: Services, actor: User, command: ReportAdverseEvent) -> AdverseEventView:
    event = AdverseEvent(**command.event.model_dump(), recorded_by=actor.id)
    today = svc.today()

    def change(uow: UnitOfWork, episode: Episode) -> AdverseEventView:
        began = svc.date_of(episode.procedure.started_at if episode.procedure else episode.opened_at)
        check_day(event.onset_on, what="the onset", today=today, not_before=began)
        if event.resolved_on is not None:
            check_day(event.resolved_on, what="the day it resolved", today=today)
        episode.add_adverse_event(event)
        return view_of_event(svc, event, episode)

    return change_episode(svc, actor, command.episode_id, Permission.ADVERSE_WRITE, "adverse_event", change,
                          type=event.type.value, serious=event.serious)


def update_adverse_event(svc: Services, actor: User, command: UpdateAdverseEvent) -> AdverseEventView:
    """An adverse event's outcome as it goes on (resolved, with the day), the day checked like the onset's."""
    today = svc.today()

    def change(uow: UnitOfWork, episode: Episode) -> AdverseEventView:
        if command.progress.resolved_on is not None:
            check_day(command.progress.resolved_on, what="the day it resolved", today=today)
        event = episode.update_adverse_event(command.index, command.progress)
        return view_of_event(svc, event, episode)

    return change_episode(svc, actor, command.episode_id, Permission.ADVERSE_WRITE, "adverse_event_update", change,
                          index=command.index, outcome=command.progress.outcome.value)


def adverse_events_of(svc: Services, actor: User, episode_id: UUID) -> list[AdverseEventView]:
    episode = clinical_episode(svc, actor, episode_id, "adverse_events")
    return [view_of_event(svc, e, episode) for e in episode.adverse_events]


def view_of_event(svc: Services, event: AdverseEvent, episode: Episode) -> AdverseEventView:
    """An adverse event with its prompts, counted in the clinic's days (procedure day, today)."""
    procedure_on = svc.date_of(episode.procedure.started_at) if episode.procedure else None
    return AdverseEventView(event, event.clavien_dindo, event.tier,
                            event.prompts(procedure_on, svc.today(), svc.policy.dimpling_review_days))


def follow_up_view(svc: Services, actor: User, episode_id: UUID, *, all_pairs: bool = False) -> FollowUpView:
    """The follow-up page's record: the episode, its adverse events with their prompts, the photo pairs to
    compare (the newest :data:`PAIRS_SHOWN`, or ``all_pairs``), the documents it may offer and the booked
    follow-ups (for those who may read the diary), read and audited in one unit of work."""
    require(actor, Permission.MEDICAL_READ)
    require(actor, Permission.PHOTO_READ)
    with svc.uow(logs_reads=True) as uow:
        found = read_record(uow, svc, actor, episode_id, "follow_ups")
        # Records are read for the pairs shown and for the photos that decide whether an outcome report may be
        # offered (the analyses: when a pair opens); what the page costs does not grow with the episode's photos.
        baselines = uow.photos.staged(episode_id, stage=PhotoStage.BASELINE)
        usable = [p for p in baselines if not p.in_error]
        follow_ups, pairs_in_all = uow.photos.newest_follow_ups(
            episode_id, {p.view for p in usable}, None if all_pairs else PAIRS_SHOWN)
        chosen = with_baselines(sorted([*usable, *follow_ups], key=lambda p: p.uploaded_at))
        deciders = _offer_deciders(baselines, uow.photos.newest_follow_up_of_each_view(episode_id))
        listed = uow.photos.listed(sorted({p.id for pair in chosen for p in pair} | deciders))
        shown = {p.id: p for p in stored_photos(uow, svc, actor, episode_id, listed=listed)}
        offered = documents.available_from(found.patient, found.episode, listed,
                                           uow.consents.photo_consents(found.patient.id))
        booked: dict[int, DiaryEntry] = {}
        if allowed(actor.role, Permission.DIARY_READ):
            windows = follow_up_windows(found.episode, episode_appointments(uow, found.episode, found.patient))
            booked = {w.position: w.booked for w in windows if w.booked}
            record(uow, svc, actor, "read_status", "episode", episode_id, part="appointments")
        uow.commit()
    comparable = [(shown[baseline.id], shown[follow_up.id]) for baseline, follow_up in chosen]
    events = [view_of_event(svc, e, found.episode) for e in found.episode.adverse_events]
    return FollowUpView(found.episode, found.patient, events, comparable, offered, booked,
                        pairs_in_all - len(chosen))


def _offer_deciders(baselines: list[StagedPhoto], newest_follow_ups: list[StagedPhoto]) -> set[UUID]:
    """The photos that decide whether an outcome report may be offered: every baseline and each view's newest
    follow-up photo. A consent covers the photos taken from when it was given, so if any follow-up photo of
    a view may leave the clinic, its newest may too; the report needs one pair that may."""
    return {p.id for p in baselines} | {p.id for p in newest_follow_ups}


def follow_ups_due(svc: Services, actor: User, *, on: date | None = None, within_days: int = 7,
                   logged: bool = True) -> list[FollowUpDue]:
    """Scheduled follow-ups that are overdue or due within ``within_days`` (reception may see these), with
    the patients' names: the reading is recorded (``logged`` False: the caller records it, e.g. an export)."""
    require(actor, Permission.FOLLOW_UP_SCHEDULE_READ)
    if not 0 <= within_days <= MAX_DUE_WINDOW_DAYS:
        raise InvalidInput(f"ask for follow-ups due within 0 to {MAX_DUE_WINDOW_DAYS} days")
    today = on or svc.today()
    with svc.uow(logs_reads=logged, read_only=not logged) as uow:
        due = uow.registers.follow_ups_due(today, today + timedelta(days=within_days))
        if logged:
            record(uow, svc, actor, "read", "follow_ups_due", None, within_days=within_days, rows=len(due))
            uow.commit()
        return due
