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
from threadlift.services.types import ConsultationEntry, DomainError, OverrideEntry
from threadlift.web.pages.common import FormDep, PageDep, domain_message, field_errors
from threadlift.web.pages.routing import page_router

router = page_router()

MEDICINE_ROWS, ALLERGY_ROWS, TREATMENT_ROWS = 3, 2, 3
HISTORY_FLAGS = {
    "pregnant": "Pregnant", "breastfeeding": "Breastfeeding",
    "autoimmune_or_connective_tissue_disease": "Autoimmune or connective-tissue disease",
    "keloid_or_hypertrophic_scarring": "Keloid or hypertrophic scarring", "immunosuppressed": "Immunosuppressed",
    "active_cancer": "Active cancer", "bleeding_disorder": "Bleeding or clotting disorder",
    "active_skin_infection_in_area": "Active skin infection or open wound in the area",
    "cold_sores_history": "History of cold sores (HSV)", "facial_palsy": "Facial palsy",
    "permanent_filler_in_area": "Permanent filler in the area", "previous_threads": "Threads before",
    "previous_non_absorbable_threads": "Non-absorbable threads before", "smoker": "Smoker",
}
BDD_ITEMS = {
    "distress": "How much distress does your appearance concern cause you?",
    "social_impairment": "How much does it interfere with your social life?",
    "work_or_study_impairment": "How much does it interfere with your work or studies?",
    "avoidance": "How often does it make you avoid things?",
}


def choices() -> dict[str, Any]:
    return {"medicine_classes": [m.value for m in c.MedicineClass], "allergy_kinds": [k.value for k in c.AllergyKind],
            "treatment_kinds": [k.value for k in c.RecentTreatmentKind], "areas": [a.value for a in c.TreatmentArea],
            "risks": [r.value for r in c.Risk], "diabetes": [d.value for d in c.DiabetesControl],
            "flags": HISTORY_FLAGS, "bdd_items": BDD_ITEMS, "rows": (MEDICINE_ROWS, ALLERGY_ROWS, TREATMENT_ROWS),
            "laxity": [f"{g / 2:g}" for g in range(9)]}


@router.get("/episodes/{episode_id}/consultation")
def consultation_page(episode_id: UUID, page: PageDep) -> Response:
    found = episodes.clinical_record(page.services, page.user, episode_id, "consultation")
    episode = found.episode
    values = _values_of(episode.consultation) if episode.consultation else {
        "consulted_on": page.services.clock().date().isoformat()}
    return page.render("consultation.html", episode=episode, patient=found.patient, values=values, errors={},
                       editable=episode.state.value == "consultation" and page.may("medical:write"), **choices())


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

    history: dict[str, Any] = {flag: bool(form.get(f"history.{flag}")) for flag in HISTORY_FLAGS}
    history["conditions"] = [s.strip() for s in text("history.conditions").replace("\n", ",").split(",") if s.strip()]
    history["diabetes"] = text("history.diabetes") or "none"
    history["medicines"] = [{"name": text(f"history.medicines.{i}.name"),
                             "medicine_class": text(f"history.medicines.{i}.medicine_class") or "other",
                             "prescribed": bool(form.get(f"history.medicines.{i}.prescribed"))}
                            for i in range(MEDICINE_ROWS) if text(f"history.medicines.{i}.name")]
    history["allergies"] = [{"substance": text(f"history.allergies.{i}.substance"),
                             "kind": text(f"history.allergies.{i}.kind") or "other",
                             "material": text(f"history.allergies.{i}.material") or None,
                             "anaphylaxis": bool(form.get(f"history.allergies.{i}.anaphylaxis"))}
                            for i in range(ALLERGY_ROWS) if text(f"history.allergies.{i}.substance")]
    history["recent_treatments"] = [{"kind": text(f"history.recent_treatments.{i}.kind"),
                                     "on": text(f"history.recent_treatments.{i}.on") or None,
                                     "area": text(f"history.recent_treatments.{i}.area") or None}
                                    for i in range(TREATMENT_ROWS) if text(f"history.recent_treatments.{i}.kind")]
    bdd = {"concerned_about_appearance": bool(form.get("bdd_screen.concerned_about_appearance")),
           "preoccupied": bool(form.get("bdd_screen.preoccupied")),
           "appearance_main_concern_not_weight": bool(form.get("bdd_screen.appearance_main_concern_not_weight")),
           **{item: text(f"bdd_screen.{item}") or None for item in BDD_ITEMS}}
    areas = [{"area": area, "grade": text(f"grade.{area}") or None, "side": text(f"side.{area}") or "both"}
             for area in form.getlist("areas")]
    return {"history": history, "bdd_screen": bdd, "areas_of_concern": areas,
            "risks_discussed": [str(r) for r in form.getlist("risks")], "expectations": text("expectations"),
            "laxity_grade": text("laxity_grade") or None, "heavy_lower_face": bool(form.get("heavy_lower_face")),
            "consulted_on": text("consulted_on") or None}


def _values_of(consultation: c.Consultation) -> dict[str, Any]:
    """A stored consultation as form values (for showing it, read-only, with the same template)."""
    h = consultation.history
    values: dict[str, Any] = {f"history.{flag}": "on" for flag in HISTORY_FLAGS if getattr(h, flag)}
    values["history.conditions"] = ", ".join(h.conditions)
    values["history.diabetes"] = h.diabetes.value
    for i, m in enumerate(h.medicines):
        values.update({f"history.medicines.{i}.name": m.name, f"history.medicines.{i}.medicine_class":
                       m.medicine_class.value, f"history.medicines.{i}.prescribed": "on" if m.prescribed else ""})
    for i, a in enumerate(h.allergies):
        values.update({f"history.allergies.{i}.substance": a.substance, f"history.allergies.{i}.kind": a.kind.value,
                       f"history.allergies.{i}.material": a.material or "",
                       f"history.allergies.{i}.anaphylaxis": "on" if a.anaphylaxis else ""})
    for i, t in enumerate(h.recent_treatments):
        values.update({f"history.recent_treatments.{i}.kind": t.kind.value,
                       f"history.recent_treatments.{i}.on": t.on.isoformat(),
                       f"history.recent_treatments.{i}.area": t.area or ""})
    b = consultation.bdd_screen
    for flag in ("concerned_about_appearance", "preoccupied", "appearance_main_concern_not_weight"):
        values[f"bdd_screen.{flag}"] = "on" if getattr(b, flag) else ""
    values.update({f"bdd_screen.{item}": str(getattr(b, item)) for item in BDD_ITEMS})
    values["areas"] = [a.area.value for a in consultation.areas_of_concern]
    values.update({f"grade.{a.area.value}": str(a.grade) for a in consultation.areas_of_concern})
    values.update({f"side.{a.area.value}": a.side for a in consultation.areas_of_concern})
    values["risks"] = [r.value for r in consultation.risks_discussed]
    values.update(expectations=consultation.expectations, consulted_on=consultation.consulted_on.isoformat(),
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
