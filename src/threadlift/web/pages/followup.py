"""Follow-up visits: the schedule, new photos, the comparison with baseline, adverse events."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Path
from fastapi.responses import Response
from pydantic import ValidationError

from threadlift.services import aftercare, episodes, outcomes
from threadlift.services.commands import (
    AssessFollowUp,
    ComparePhotos,
    CompleteFollowUp,
    ReportAdverseEvent,
    UpdateAdverseEvent,
)
from threadlift.services.types import (
    GAIS,
    AdverseEventReport,
    AssessmentEntry,
    DomainError,
    EventOutcome,
    EventProgress,
    EventType,
    FollowUpOutcome,
    FollowUpStatus,
    Intervention,
)
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors, filled, form_values, ticked
from threadlift.web.pages.routing import page_router

router = page_router()
EVENT_TEXT = ("type", "description", "area", "side", "onset_on", "severity", "treatment", "intervention", "outcome",
              "resolved_on")
EVENT_FLAGS = ("serious", "pus_present", "pulsatile_lump")
RATING_FIELDS = ("clinician_gais", "patient_gais", "effect_noticeable", "effect_lost_after_weeks")


def _page(page: PageDep, episode_id: UUID, status: int = 200, all_pairs: bool = False, **extra: Any) -> Response:
    view = aftercare.follow_up_view(page.services, page.user, episode_id, all_pairs=all_pairs)
    episode = view.episode
    today = page.services.today()
    placed = episode.placed_threads()  # the lots offered for an event: not those of threads recorded in error
    lots = {t.lot_id: t for t in episode.procedure.threads} if episode.procedure else {}
    # Each lot with every area and side it was used in (one lot often serves both sides, or several areas).
    lot_places = {lot_id: ", ".join(dict.fromkeys(f"{t.area} {t.side.value}" for t in placed if t.lot_id == lot_id))
                  for lot_id in dict.fromkeys(t.lot_id for t in placed)}
    return page.render("followup.html", status, episode=episode, patient=view.patient, pairs=view.comparable,
                       booked=view.booked, offered=view.documents, earlier_pairs=view.earlier_pairs,
                       lots=lots, lot_places=lot_places, prompts={e.event.id: e.prompts for e in view.events},
                       statuses=[s.value for s in FollowUpStatus if s is not FollowUpStatus.SCHEDULED],
                       types=[t.value for t in EventType], interventions=[i.value for i in Intervention],
                       outcomes=[o.value for o in EventOutcome], gais=GAIS, errors=extra.pop("errors", {}),
                       values=extra.pop("values", {"onset_on": today.isoformat(), "severity": "1"}), **extra)


page_of = _page  # the page with a message, for web/pages/corrections.py


@router.get("/episodes/{episode_id}/follow-up")
def follow_up_page(episode_id: UUID, page: PageDep, pairs: Literal["newest", "all"] = "newest") -> Response:
    return _page(page, episode_id, all_pairs=pairs == "all")


def _assessment(values: dict[str, str]) -> dict[str, Any] | None:
    """The rating fields of a follow-up form as an assessment entry's fields (None: nothing rated)."""
    given = filled(values, RATING_FIELDS)
    effect = None
    if given["effect_noticeable"] is not None or given["effect_lost_after_weeks"] is not None:
        effect = {"noticeable": given["effect_noticeable"] == "yes",
                  "lost_after_weeks": given["effect_lost_after_weeks"]}
    fields = {"clinician_gais": given["clinician_gais"], "patient_gais": given["patient_gais"], "effect": effect}
    return fields if any(v is not None for v in fields.values()) else None


def _message(error: ValidationError) -> str:
    return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())


@router.post("/episodes/{episode_id}/follow-ups/{index}")
def complete(episode_id: UUID, index: Annotated[int, Path(ge=0, le=100)], page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    try:
        outcome = FollowUpOutcome.model_validate({**filled(values, ("status", "note")),
                                                  "assessment": _assessment(values)})
        aftercare.complete_follow_up(page.services, page.user, CompleteFollowUp(episode_id=episode_id, index=index,
                                                                                outcome=outcome))
    except ValidationError as error:
        return _page(page, episode_id, 422, follow_up_errors={index: _message(error)})
    except DomainError as error:
        return _page(page, episode_id, 409, follow_up_errors={index: domain_message(error)})
    return page.redirect(f"/episodes/{episode_id}/follow-up")


@router.post("/episodes/{episode_id}/follow-ups/{index}/ratings")
def rate(episode_id: UUID, index: Annotated[int, Path(ge=0, le=100)], page: PageDep, form: FormDep) -> Response:
    try:
        entry = AssessmentEntry.model_validate(_assessment(form_values(form)) or {})
        aftercare.assess_follow_up(page.services, page.user, AssessFollowUp(episode_id=episode_id, index=index,
                                                                            assessment=entry))
    except ValidationError as error:
        return _page(page, episode_id, 422, follow_up_errors={index: _message(error)})
    except DomainError as error:
        return _page(page, episode_id, 409, follow_up_errors={index: domain_message(error)})
    return page.redirect(f"/episodes/{episode_id}/follow-up")


@router.post("/episodes/{episode_id}/adverse-events/{index}/progress")
def event_progress(episode_id: UUID, index: int, page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    try:
        progress = EventProgress.model_validate(filled(values, ("outcome", "resolved_on", "treatment")))
        aftercare.update_adverse_event(page.services, page.user, UpdateAdverseEvent(episode_id, index, progress))
    except ValidationError as error:
        return _page(page, episode_id, 422, correction_error="Not updated: " + "; ".join(field_errors(error).values()))
    except DomainError as error:
        return _page(page, episode_id, 409, correction_error="Not updated: " + domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/follow-up#adverse-events")


@router.post("/episodes/{episode_id}/adverse-events")
def add_event(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    values = form_values(form)
    fields = {name: value for name, value in filled(values, EVENT_TEXT).items()
              if value is not None or name in ("type", "onset_on", "severity")}
    try:
        report = AdverseEventReport.model_validate({**fields, **{flag: ticked(values, flag) for flag in EVENT_FLAGS},
                                                    "lot_ids": [str(v) for v in form.getlist("lot_ids")]})
        aftercare.report_adverse_event(page.services, page.user, ReportAdverseEvent(episode_id=episode_id,
                                                                                    event=report))
    except ValidationError as error:
        return _page(page, episode_id, 422, errors=field_errors(error), values=values)
    except DomainError as error:
        return _page(page, episode_id, 409, errors={"form": domain_message(error)}, values=values)
    return page.redirect(f"/episodes/{episode_id}/follow-up#adverse-events")


@router.get("/episodes/{episode_id}/compare/{before_id}/{after_id}")
def comparison(episode_id: UUID, before_id: UUID, after_id: UUID, page: PageDep, force: bool = False) -> Response:
    outcome = outcomes.compare_photos(page.services, page.user, ComparePhotos(
        before_id=before_id, after_id=after_id, force=force, episode_id=episode_id))
    found = episodes.clinical_record(page.services, page.user, episode_id, "outcome")
    return page.render("compare.html", episode=found.episode, patient=found.patient, outcome=outcome,
                       doc=outcome.document, force=force)


@router.get("/episodes/{episode_id}/compare/{before_id}/{after_id}/{picture}.jpg")
def comparison_picture(episode_id: UUID, before_id: UUID, after_id: UUID,
                       picture: Literal["before", "after", "arrows"], page: PageDep, force: bool = False) -> Response:
    command = ComparePhotos(before_id=before_id, after_id=after_id, force=force, episode_id=episode_id)
    return Response(outcomes.comparison_jpeg(page.services, page.user, command, picture), media_type="image/jpeg",
                    headers={"Cache-Control": "private, no-store"})
