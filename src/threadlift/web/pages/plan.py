"""The plan editor on the marking map: drag or type points, add or remove threads, live zone checks.

Every edit the form makes is translated into the typed edits of the plan use case (the JSON API's
``POST /api/episodes/{id}/plan/edits`` and ``threadlift plan edit`` make the same ones), so the
page, the API and the command line are checked by one piece of code.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from threadlift.services import episodes, planning
from threadlift.services.planning import EditedPlan, PlanEdits
from threadlift.services.types import CheckedPlan, DomainError, PlanDocument, PlanInvalid
from threadlift.web.pages.common import FormDep, PageDep, domain_message
from threadlift.web.pages.routing import page_router

router = page_router()
THREAD_FIELDS = ("design", "material", "gauge", "length_mm", "depth_plane", "cones")
POINTS = ("entry", "anchor", "exit")


def _editor_context(page: PageDep, episode_id: UUID, plan: PlanDocument, problems: list[str]) -> dict[str, Any]:
    drawn = planning.drawing(page.services, page.user, episode_id, plan)
    choice = planning.choices()
    return {"plan": plan, "svg": drawn.svg, "legend": drawn.legend, "problems": problems, "numbers": drawn.numbers,
            "plan_json": planning.as_text(plan), "warnings": drawn.warnings, "cautions": drawn.cautions,
            "areas": choice.areas, "designs": choice.designs, "materials": choice.materials, "gauges": choice.gauges,
            "lengths": choice.lengths_mm, "depths": choice.depths}


@router.get("/episodes/{episode_id}/plan")
def editor(episode_id: UUID, page: PageDep) -> Response:
    found = episodes.clinical_record(page.services, page.user, episode_id, "plan")
    try:
        view = planning.current(page.services, page.user, episode_id)
    except DomainError as error:
        return page.render("plan.html", 409, episode=found.episode, patient=found.patient,
                           blocked=domain_message(error))
    return page.render("plan.html", episode=found.episode, patient=found.patient, saved=view.saved,
                       note=found.episode.plan.note if found.episode.plan else "",
                       **_editor_context(page, episode_id, view.plan, []))


@router.post("/episodes/{episode_id}/plan/edit")
def apply_edit(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    try:
        result = _edited(page, episode_id, form, save=False).checked
    except PlanInvalid as error:
        return page.render("_plan_problems.html", 422, problems=error.problems)
    return page.render("_plan_editor.html", episode_id=episode_id,
                       **_editor_context(page, episode_id, result.plan, result.problems))


@router.post("/episodes/{episode_id}/plan")
def save(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    found = episodes.clinical_record(page.services, page.user, episode_id, "plan")
    note = str(form.get("note", ""))
    try:
        edited = _edited(page, episode_id, form, save=True)
    except PlanInvalid as error:
        return page.render("plan.html", 422, episode=found.episode, patient=found.patient, saved=False, note=note,
                           save_error="The plan has problems: " + "; ".join(error.problems),
                           **_editor_context(page, episode_id, planning.current(page.services, page.user,
                                                                                episode_id).plan, error.problems))
    except DomainError as error:
        checked = _edited(page, episode_id, form, save=False).checked
        return page.render("plan.html", 409, episode=found.episode, patient=found.patient, saved=False, note=note,
                           save_error=domain_message(error),
                           **_editor_context(page, episode_id, checked.plan, checked.problems))
    if not edited.saved:
        return page.render("plan.html", 422, episode=found.episode, patient=found.patient, saved=False, note=note,
                           save_error="The plan has problems: " + "; ".join(edited.problems),
                           **_editor_context(page, episode_id, edited.plan, edited.problems))
    return page.redirect(f"/episodes/{episode_id}/plan")


def _edited(page: PageDep, episode_id: UUID, form: FormData, *, save: bool) -> EditedPlan:
    """The form's plan with the form's edits applied and checked (saved when asked and valid).
    Raises :class:`PlanInvalid` when the plan itself cannot be read."""
    plan = planning.parse_document(str(form.get("plan", "")))
    edits = edits_from(form, plan)
    try:
        request = PlanEdits.model_validate({"plan": plan, "edits": edits, "save": save,
                                            "note": str(form.get("note", ""))})
    except ValidationError as error:  # a value that is not a number, a note too long: shown, not lost
        problems = [_problem(edits, e["loc"], e["msg"]) for e in error.errors()]
        return EditedPlan(CheckedPlan(planning.edit_document(plan, []).plan, problems), saved=False)
    return planning.edit(page.services, page.user, episode_id, request)


def _problem(edits: list[dict[str, Any]], where: tuple[int | str, ...], message: str) -> str:
    if len(where) >= 4 and where[0] == "edits" and isinstance(where[1], int):
        return f"{edits[where[1]].get('thread', 'new thread')}.{where[-1]}: {message}"
    return f"{'.'.join(str(part) for part in where)}: {message}"


def edits_from(form: FormData, plan: PlanDocument) -> list[dict[str, Any]]:
    """The edits a submission of the editor form makes: every thread's fields as shown (``set.<id>.<field>``,
    points as ``set.<id>.entry.x_mm``), then the button pressed (``op``: check, add, remove:<id>).
    They become typed edits when the use case's request is made, so a value that does not parse is
    refused with its thread and field."""
    fields: dict[str, dict[str, str]] = defaultdict(dict)
    for key, value in form.items():
        if key.startswith("set.") and isinstance(value, str):
            _, thread_id, name = key.split(".", 2)
            fields[thread_id][name] = value.strip()
    edits: list[dict[str, Any]] = []
    for thread in plan.threads:
        given = fields.get(thread.id)
        if not given:
            continue
        values: dict[str, Any] = {name: given[name] for name in THREAD_FIELDS if name in given}
        if values.get("cones") == "":
            values["cones"] = None
        values["anchored"] = given.get("anchored") == "on"  # an unticked box is not sent at all
        edits.append({"op": "set", "thread": thread.id, **values})
        for point in POINTS:
            if f"{point}.x_mm" in given or f"{point}.y_mm" in given:
                edits.append({"op": "move", "thread": thread.id, "point": point,
                              "x_mm": given.get(f"{point}.x_mm", ""), "y_mm": given.get(f"{point}.y_mm", "")})
    op = str(form.get("op", "check"))
    if op.startswith("remove:"):
        edits.append({"op": "remove", "thread": op.removeprefix("remove:")})
    elif op == "add":
        edits.append({"op": "add", "area": str(form.get("add_area", "")), "side": str(form.get("add_side", "left"))})
    return edits


@router.get("/episodes/{episode_id}/plan/map.png")
def map_png(episode_id: UUID, page: PageDep) -> Response:
    return Response(planning.map_png(page.services, page.user, episode_id), media_type="image/png",
                    headers={"Cache-Control": "private, no-store"})


@router.get("/episodes/{episode_id}/plan/sheet.pdf")
def sheet(episode_id: UUID, page: PageDep) -> Response:
    return Response(planning.sheet_pdf(page.services, page.user, episode_id), media_type="application/pdf",
                    headers={"Cache-Control": "private, no-store",
                             "Content-Disposition": 'inline; filename="marking-sheet.pdf"'})


@router.get("/episodes/{episode_id}/plan/print")
def print_view(episode_id: UUID, page: PageDep) -> Response:
    sheet = planning.marking_sheet(page.services, page.user, episode_id)
    return page.render("plan_print.html", episode=sheet.record.episode, patient=sheet.record.patient,
                       plan=sheet.plan, saved=sheet.saved, points=sheet.points)

