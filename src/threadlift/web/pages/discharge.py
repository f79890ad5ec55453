"""Observation and discharge: the clock since the procedure ended, observations, criteria, aftercare."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.clinic.discharge import AFTERCARE_SHEETS, Criterion
from threadlift.clinic.errors import DomainError, NotFound
from threadlift.services import episodes, people
from threadlift.web.pages.common import PageDep, domain_message, field_errors, form_values
from threadlift.web.pages.routing import page_router

router = page_router()
OBSERVATION_FIELDS = ("pulse_bpm", "systolic_mmhg", "diastolic_mmhg", "pain_score", "note")
OBSERVATION_FLAGS = ("active_bleeding", "expanding_swelling", "last_symptoms")


def _page(page: PageDep, episode_id: UUID, status: int = 200, **extra: Any) -> Response:
    episode = episodes.clinical_episode(page.services, page.user, episode_id, "observations")
    patient = people.get_patient(page.services, page.user, episode.patient_id)
    return page.render("discharge.html", status, episode=episode, patient=patient,
                       criteria=[c.value for c in Criterion], sheets=list(AFTERCARE_SHEETS),
                       minimum=page.services.policy.minimum_observation_minutes,
                       errors=extra.pop("errors", {}), values=extra.pop("values", {}), **extra)


@router.get("/episodes/{episode_id}/discharge")
def discharge_page(episode_id: UUID, page: PageDep) -> Response:
    return _page(page, episode_id)


@router.post("/episodes/{episode_id}/observations")
async def observe(episode_id: UUID, page: PageDep) -> Response:
    values = form_values(await page.request.form())
    fields: dict[str, Any] = {name: values.get(name) or None for name in OBSERVATION_FIELDS}
    fields.update({flag: values.get(flag) == "on" for flag in OBSERVATION_FLAGS})
    try:
        episodes.observe(page.services, page.user, episode_id, fields)
    except ValidationError as error:
        return _page(page, episode_id, 422, errors=field_errors(error), values=values)
    except DomainError as error:
        return _page(page, episode_id, 409, errors={"form": domain_message(error)}, values=values)
    return page.redirect(f"/episodes/{episode_id}/discharge")


@router.post("/episodes/{episode_id}/discharge")
async def discharge(episode_id: UUID, page: PageDep) -> Response:
    form = await page.request.form()
    ticked = {str(v) for v in form.getlist("criteria")}
    criteria = {c: c.value in ticked for c in Criterion}
    try:
        episodes.discharge(page.services, page.user, episode_id, criteria, str(form.get("aftercare_version", "")))
    except DomainError as error:
        return _page(page, episode_id, 409, discharge_error=domain_message(error), ticked=ticked)
    return page.redirect(f"/episodes/{episode_id}/follow-up")


@router.get("/episodes/{episode_id}/aftercare")
def aftercare(episode_id: UUID, page: PageDep, version: str | None = None) -> Response:
    episode = episodes.clinical_episode(page.services, page.user, episode_id, "aftercare")
    patient = people.get_patient(page.services, page.user, episode.patient_id)
    chosen = version or (episode.discharge.aftercare_version if episode.discharge else list(AFTERCARE_SHEETS)[-1])
    if chosen not in AFTERCARE_SHEETS:
        raise NotFound(f"no aftercare sheet {chosen}")
    return page.render("aftercare.html", episode=episode, patient=patient, sheet=AFTERCARE_SHEETS[chosen])
