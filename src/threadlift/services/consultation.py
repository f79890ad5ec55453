"""The consultation and the suitability decision: recorded, decided (in one transaction when asked),
overridden with a reason, and read back with what still stands between the patient and the procedure."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from threadlift.clinic.consultation import Consultation
from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import NotFound
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.clinic.suitability import (
    Decision,
    Override,
    SuitabilityResult,
    clearance_problems,
    effective_decision,
)
from threadlift.clinic.when import check_day
from threadlift.services.base import Services, require
from threadlift.services.commands import DecideSuitability, OverrideFinding, RecordConsultation
from threadlift.services.episodes import change_episode, clinical_episode
from threadlift.services.ports import UnitOfWork


@dataclass(frozen=True)
class ConsultationOutcome:
    consultation: Consultation
    suitability: SuitabilityResult | None  # when the command asked for the decision too


@dataclass(frozen=True)
class SuitabilityView:
    """The decision as made, the overrides on it, and what it comes to now."""

    result: SuitabilityResult
    overrides: list[Override]
    effective_decision: Decision
    problems_before_procedure: list[str]


def record_consultation(svc: Services, actor: User, command: RecordConsultation) -> ConsultationOutcome:
    if command.decide_suitability:
        require(actor, Permission.SUITABILITY_DECIDE)  # refused before anything is saved
    consultation = Consultation(**command.consultation.model_dump(), clinician_id=actor.id)
    today = svc.today()
    check_day(consultation.consulted_on, what="the consultation date", today=today)
    for treatment in consultation.history.recent_treatments:
        check_day(treatment.on, what=f"the recent {treatment.kind.value.replace('_', ' ')}", today=today)

    def change(uow: UnitOfWork, episode: Episode) -> ConsultationOutcome:
        episode.record_consultation(consultation)
        decided = _assess(uow, svc, actor, episode) if command.decide_suitability else None
        return ConsultationOutcome(consultation, decided)

    action = "consult_and_decide" if command.decide_suitability else "consultation"  # the column holds 20
    return change_episode(svc, actor, command.episode_id, Permission.MEDICAL_WRITE, action, change)


def decide_suitability(svc: Services, actor: User, command: DecideSuitability) -> SuitabilityResult:
    return change_episode(svc, actor, command.episode_id, Permission.SUITABILITY_DECIDE, "suitability",
                          lambda uow, episode: _assess(uow, svc, actor, episode))


def _assess(uow: UnitOfWork, svc: Services, actor: User, episode: Episode) -> SuitabilityResult:
    now = svc.clock()
    return episode.assess(uow.patients.get(episode.patient_id), svc.policy, svc.date_of(now), now, actor.id)


def override_finding(svc: Services, actor: User, command: OverrideFinding) -> Override:
    entry = command.override
    return change_episode(svc, actor, command.episode_id, Permission.OVERRIDE, "override",
                          lambda uow, e: e.override(entry.rule, entry.reason, actor.id, svc.clock()),
                          rule=entry.rule)


def consultation_of(svc: Services, actor: User, episode_id: UUID) -> Consultation:
    consultation = clinical_episode(svc, actor, episode_id, "consultation").consultation
    if consultation is None:
        raise NotFound("no consultation recorded yet")
    return consultation


def suitability_view(svc: Services, actor: User, episode_id: UUID) -> SuitabilityView:
    return view_of_suitability(clinical_episode(svc, actor, episode_id, "suitability"))


def view_of_suitability(episode: Episode) -> SuitabilityView:
    if episode.suitability is None:
        raise NotFound("suitability has not been decided yet")
    return SuitabilityView(episode.suitability, episode.overrides,
                           effective_decision(episode.suitability, episode.overrides),
                           clearance_problems(episode.suitability, episode.overrides))
