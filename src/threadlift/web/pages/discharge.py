"""Observation and discharge: the clock since the procedure ended, observations, criteria, aftercare."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.services import aftercare, episodes
from threadlift.services.commands import Discharge, RecordObservation
from threadlift.services.types import (
    AFTERCARE_SHEETS,
    Criterion,
    DischargeDecision,
    DomainError,
    NotFound,
    ObservationEntry,
)
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors, filled, form_values, ticked
from threadlift.web.pages.routing import page_router

router = page_router()
OBSERVATION_FIELDS = ("pulse_bpm", "systolic_mmhg", "diastolic_mmhg", "pain_score", "note")
OBSERVATION_FLAGS = ("active_bleeding", "expanding_swelling", "last_symptoms")


def _page(page: PageDep, episode_id: UUID, status: int = 200, **extra: Any) -> Response:
    found = episodes.clinical_record(page.services, page.user, episode_id, "observations")
    return page.render("discharge.html", status, episode=found.episode, patient=found.patient,
                       criteria=[c.value for c in Criterion], sheets=list(AFTERCARE_SHEETS),
                       minimum=page.services.policy.minimum_observation_minutes,
                       errors=extra.pop("errors", {}), values=extra.pop("values", {}), **extra)


page_of = _page  # the page with a message, for web/pages/corrections.py


@router.get("/episodes/{episode_id}/discharge")
def discharge_page(episode_id: UUID, page: PageDep) -> Response:
    return _page(page, episode_id)


@router.post("/episodes/{episode_id}/observations")
def observe(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    try:
        entry = ObservationEntry.model_validate({**filled(values, OBSERVATION_FIELDS),
                                                 "observed_at": page.clinic_time(values.get("observed_at")),
                                                 **{flag: ticked(values, flag) for flag in OBSERVATION_FLAGS}})
        aftercare.observe(page.services, page.user, RecordObservation(episode_id=episode_id, observation=entry))
    except ValidationError as error:
        return _page(page, episode_id, 422, errors=field_errors(error), values=values)
    except DomainError as error:
        return _page(page, episode_id, 409, errors={"form": domain_message(error)}, values=values)
    return page.redirect(f"/episodes/{episode_id}/discharge")


@router.post("/episodes/{episode_id}/discharge")
def discharge(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    chosen = {str(v) for v in form.getlist("criteria")}
    try:
        decision = DischargeDecision.model_validate({
            "criteria": {c.value: c.value in chosen for c in Criterion},
            "aftercare_version": str(form.get("aftercare_version", ""))})
        aftercare.discharge(page.services, page.user, Discharge(episode_id=episode_id, decision=decision))
    except ValidationError as error:
        return _page(page, episode_id, 422, discharge_error="; ".join(field_errors(error).values()), ticked=chosen)
    except DomainError as error:
        return _page(page, episode_id, 409, discharge_error=domain_message(error), ticked=chosen)
    return page.redirect(f"/episodes/{episode_id}/follow-up")


@router.get("/episodes/{episode_id}/aftercare")
def aftercare_sheet(episode_id: UUID, page: PageDep, version: str | None = None) -> Response:
    found = episodes.clinical_record(page.services, page.user, episode_id, "aftercare")
    episode = found.episode
    chosen = version or (episode.discharge.aftercare_version if episode.discharge else list(AFTERCARE_SHEETS)[-1])
    if chosen not in AFTERCARE_SHEETS:
        raise NotFound(f"no aftercare sheet {chosen}")
    return page.render("aftercare.html", episode=episode, patient=found.patient, sheet=AFTERCARE_SHEETS[chosen])
