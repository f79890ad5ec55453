"""The episode hub: where the patient stands on the pathway, and the way to each step."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.services import episodes
from threadlift.services.commands import CancelEpisode
from threadlift.services.types import Cancellation, Episode, InvalidInput, State
from threadlift.web.pages.common import FormDep, PageDep, filled, form_values
from threadlift.web.pages.routing import page_router

router = page_router()

ORDER = [State.CONSULTATION, State.ASSESSED, State.CONSENTED, State.PLANNED, State.PROCEDURE, State.OBSERVATION,
         State.DISCHARGED, State.FOLLOW_UP, State.CLOSED]


@dataclass(frozen=True)
class Step:
    title: str
    url: str
    done: bool
    current: bool
    summary: str


def steps(episode: Episode, page: PageDep) -> list[Step]:
    base = f"/episodes/{episode.id}"
    at = ORDER.index(episode.state) if episode.state in ORDER else -1
    decision = episode.suitability.decision.value.replace("_", " ") if episode.suitability else "not decided"
    procedure = episode.procedure
    follow_ups_done = sum(1 for f in episode.follow_ups if f.status.value != "scheduled")
    return [
        Step("Consultation", f"{base}/consultation", episode.consultation is not None, at == 0,
             "history, screen, areas, risks" if episode.consultation is None else "recorded"),
        Step("Suitability", f"{base}/suitability", episode.suitability is not None, at == 1, decision),
        Step("Photos", f"{base}/photos", False, False, "frontal, oblique and profile views"),
        Step("Consent", f"{base}/consent", episode.consent is not None, at == 1 and episode.suitability is not None,
             "signed" if episode.consent else "not signed"),
        Step("Plan and marking map", f"{base}/plan", episode.plan is not None, at in (2, 3),
             ", ".join(a.value for a in episode.plan.areas) if episode.plan else "not planned"),
        Step("Procedure day", f"{base}/procedure", procedure is not None and procedure.ended_at is not None, at == 4,
             "not started" if procedure is None else f"{len(episode.placed_threads())} threads placed"),
        Step("Observation and discharge", f"{base}/discharge", episode.discharge is not None, at == 5,
             "discharged" if episode.discharge else "-"),
        Step("Follow-up and outcome", f"{base}/follow-up", episode.state is State.CLOSED, at in (6, 7),
             f"{follow_ups_done} of {len(episode.follow_ups)} done" if episode.follow_ups else "-"),
    ]


@router.get("/episodes/{episode_id}")
def hub(episode_id: UUID, page: PageDep) -> Response:
    seen = episodes.overview(page.services, page.user, episode_id)
    found, patient = seen.episode, seen.patient
    if not isinstance(found, Episode):  # reception: state and dates only
        return page.render("episode_status.html", status=found, patient=patient)
    return page.render("episode.html", episode=found, patient=patient, steps=steps(found, page),
                       age=patient.age_on(page.services.today()))


@router.post("/episodes/{episode_id}/cancel")
def cancel(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    try:
        cancellation = Cancellation.model_validate(filled(form_values(form), ("reason",)))
    except ValidationError:
        raise InvalidInput("give a reason to cancel (at least 3 characters)", rule="cancel") from None
    episodes.cancel(page.services, page.user, CancelEpisode(episode_id=episode_id, cancellation=cancellation))
    return page.redirect(f"/episodes/{episode_id}")
