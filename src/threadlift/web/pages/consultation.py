"""Consultation form (history, body-dysmorphia screen, areas, risks) and the suitability decision."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from threadlift.services import consultation as use_case
from threadlift.services import episodes
from threadlift.services import types as c
from threadlift.services.commands import DecideSuitability, OverrideFinding, RecordConsultation
from threadlift.services.portal import confirmed_history
from threadlift.services.portal_types import HistoryAnswers
from threadlift.services.types import ConsultationEntry, DomainError, OverrideEntry
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors
from threadlift.web.pages.history_form import history_choices, history_values, parse_history
from threadlift.web.pages.routing import page_router

router = page_router()

def choices() -> dict[str, Any]:
    return {**history_choices(), "areas": [a.value for a in c.TreatmentArea], "risks": [r.value for r in c.Risk],
            "laxity": [f"{g / 2:g}" for g in range(9)]}


@router.get("/episodes/{episode_id}/consultation")
def consultation_page(episode_id: UUID, page: PageDep) -> Response:
    return page_of(page, episode_id)


def page_of(page: PageDep, episode_id: UUID, status: int = 200, **extra: Any) -> Response:
    """The consultation page (with a message, for web/pages/corrections.py)."""
    found = episodes.clinical_record(page.services, page.user, episode_id, "consultation")
    episode = found.episode
    confirmed = None if episode.consultation else confirmed_history(page.services, page.user, episode_id)
    values = _values_of(episode.consultation) if episode.consultation else {
        **(history_values(confirmed) if confirmed else {}), "consulted_on": page.services.today().isoformat()}
    return page.render("consultation.html", status, episode=episode, patient=found.patient, values=values,
                       errors={}, editable=episode.state.value == "consultation" and page.may("medical:write"),
                       from_portal=confirmed is not None, **choices(), **extra)


@router.post("/episodes/{episode_id}/consultation")
def save_consultation(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    """Save; with "Save and decide suitability", decide it in the same transaction."""
    decide = bool(form.get("decide"))
    try:
        entry = ConsultationEntry.model_validate(parse(form))
        use_case.record_consultation(page.services, page.user, RecordConsultation(
            episode_id=episode_id, consultation=entry, decide_suitability=decide))
    except ValidationError as error:
        return _again(page, episode_id, form, field_errors(error))
    except DomainError as error:
        return _again(page, episode_id, form, {"form": domain_message(error)})
    return page.redirect(f"/episodes/{episode_id}/suitability" if decide else f"/episodes/{episode_id}")


def _again(page: PageDep, episode_id: UUID, form: FormData, errors: dict[str, str]) -> Response:
    found = episodes.clinical_record(page.services, page.user, episode_id, "consultation")
    values = {k: form.getlist(k) if k in ("risks", "areas") else v for k, v in form.items()}
    return page.render("consultation.html", 422, episode=found.episode, patient=found.patient, values=values,
                       errors=errors, editable=True, **choices())


def parse(form: FormData) -> dict[str, Any]:
    """The form as the Consultation model's fields; empty rows are left out, not sent as blanks."""
    def text(name: str) -> str:
        return str(form.get(name, "")).strip()

    areas = [{"area": area, "grade": text(f"grade.{area}") or None, "side": text(f"side.{area}") or "both"}
             for area in form.getlist("areas")]
    return {**parse_history(form), "areas_of_concern": areas,
            "risks_discussed": [str(r) for r in form.getlist("risks")],
            "laxity_grade": text("laxity_grade") or None, "heavy_lower_face": bool(form.get("heavy_lower_face")),
            "consulted_on": text("consulted_on") or None}


def _values_of(consultation: c.Consultation) -> dict[str, Any]:
    """A stored consultation as form values (for showing it, read-only, with the same template)."""
    values = history_values(HistoryAnswers(history=consultation.history, bdd_screen=consultation.bdd_screen,
                                           expectations=consultation.expectations))
    values["areas"] = [a.area.value for a in consultation.areas_of_concern]
    values.update({f"grade.{a.area.value}": str(a.grade) for a in consultation.areas_of_concern})
    values.update({f"side.{a.area.value}": a.side for a in consultation.areas_of_concern})
    values["risks"] = [r.value for r in consultation.risks_discussed]
    values.update(consulted_on=consultation.consulted_on.isoformat(),
                  laxity_grade="" if consultation.laxity_grade is None else f"{consultation.laxity_grade:g}",
                  heavy_lower_face="on" if consultation.heavy_lower_face else "")
    return values


@router.get("/episodes/{episode_id}/suitability")
def suitability_page(episode_id: UUID, page: PageDep) -> Response:
    return _suitability(page, episode_id)


def _suitability(page: PageDep, episode_id: UUID, status: int = 200, **extra: Any) -> Response:
    found = episodes.clinical_record(page.services, page.user, episode_id, "suitability")
    episode = found.episode
    view = use_case.view_of_suitability(episode) if episode.suitability else None
    return page.render("suitability.html", status, episode=episode, patient=found.patient,
                       result=view.result if view else None, effective=view.effective_decision if view else None,
                       problems=view.problems_before_procedure if view else [],
                       overrides={o.rule: o for o in episode.overrides}, **extra)


suitability_of = _suitability  # the page with a message, for web/pages/corrections.py


@router.post("/episodes/{episode_id}/suitability")
def decide(episode_id: UUID, page: PageDep) -> Response:
    try:
        use_case.decide_suitability(page.services, page.user, DecideSuitability(episode_id=episode_id))
    except DomainError as error:
        return _suitability(page, episode_id, 409, error=domain_message(error))
    return page.redirect(f"/episodes/{episode_id}/suitability")


@router.post("/episodes/{episode_id}/suitability/override")
def override(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    rule = str(form.get("rule", ""))
    try:
        entry = OverrideEntry.model_validate({"rule": rule, "reason": str(form.get("reason", ""))})
        use_case.override_finding(page.services, page.user, OverrideFinding(episode_id=episode_id, override=entry))
    except ValidationError as error:
        return _suitability(page, episode_id, 422, override_errors={rule: "; ".join(field_errors(error).values())})
    except DomainError as error:
        return _suitability(page, episode_id, 409, override_errors={rule: domain_message(error)})
    return page.redirect(f"/episodes/{episode_id}/suitability")
