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
from threadlift.web.messages import plain_error
from threadlift.web.pages.common import FormDep, PageDep, domain_message
from threadlift.web.pages.routing import page_router

router = page_router()
THREAD_FIELDS = ("design", "material", "gauge", "length_mm", "depth_plane", "cones")
POINTS = ("entry", "anchor", "exit")


def _editor_context(page: PageDep, episode_id: UUID, plan: PlanDocument, problems: list[str],
                    form: FormData | None = None) -> dict[str, Any]:
    drawn = planning.drawing(page.services, page.user, episode_id, plan)
    choice = planning.choices()
    chosen = ({name: str(form.get(name, "")) for name in ("add_area", "add_side", "acknowledge_zone_flags")}
              if form is not None else {})
    return {"plan": plan, "svg": drawn.svg, "legend": drawn.legend, "problems": problems, "numbers": drawn.numbers,
            "plan_json": planning.as_text(plan), "warnings": drawn.warnings, "cautions": drawn.cautions,
            "pose_warning": drawn.pose_warning, "areas": choice.areas, "designs": choice.designs,
            "materials": choice.materials, "gauges": choice.gauges, "lengths": choice.lengths_mm,
            "depths": choice.depths, "chosen": chosen}


@router.get("/episodes/{episode_id}/plan")
def editor(episode_id: UUID, page: PageDep) -> Response:
    return page_of(page, episode_id)


def page_of(page: PageDep, episode_id: UUID, status: int = 200, **extra: Any) -> Response:
    """The plan page (with a message, for web/pages/corrections.py)."""
    found = episodes.clinical_record(page.services, page.user, episode_id, "plan")
    try:
        view = planning.current(page.services, page.user, episode_id)
    except DomainError as error:
        return page.render("plan.html", 409, episode=found.episode, patient=found.patient,
                           blocked=domain_message(error), **extra)
    return page.render("plan.html", status, episode=found.episode, patient=found.patient, saved=view.saved,
                       note=found.episode.plan.note if found.episode.plan else "",
                       **_editor_context(page, episode_id, view.plan, []), **extra)


@router.post("/episodes/{episode_id}/plan/edit")
def apply_edit(episode_id: UUID, page: PageDep, form: FormDep) -> Response:
    try:
        result = _edited(page, episode_id, form, save=False).checked
    except PlanInvalid as error:  # shown above the map, which stays as it was
        response = page.render("_plan_problems.html", 422, problems=error.problems)
        response.headers.update({"HX-Retarget": "#plan-problems", "HX-Reswap": "innerHTML"})
        return response
    return page.render("_plan_editor.html", episode_id=episode_id, edited=True,
                       **_editor_context(page, episode_id, result.plan, result.problems, form))


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
                           **_editor_context(page, episode_id, edited.plan, edited.problems, form))
    return page.redirect(f"/episodes/{episode_id}/plan")


def _edited(page: PageDep, episode_id: UUID, form: FormData, *, save: bool) -> EditedPlan:
    """The form's plan with the form's edits applied and checked (saved when asked and valid).
    Raises :class:`PlanInvalid` when the plan itself cannot be read."""
    plan = planning.parse_document(str(form.get("plan", "")))
    numbers = {t.id: i + 1 for i, t in enumerate(plan.threads)}
    note = str(form.get("note", ""))
    acknowledged = form.get("acknowledge_zone_flags") == "on"
    # Each edit is read on its own: one value that does not parse (a length of "4o") is reported and
    # left out, and the others (a point moved into a zone) are still checked live.
    usable, problems = [], []
    for edit in edits_from(form, plan):
        try:
            PlanEdits.model_validate({"edits": [edit]})
            usable.append(edit)
        except ValidationError as error:
            problems += [_problem(edit, numbers, e) for e in error.errors()]
    try:
        request = PlanEdits.model_validate({"plan": plan, "edits": usable, "save": save and not problems,
                                            "note": note, "acknowledge_zone_flags": acknowledged})
    except ValidationError as error:  # the note too long: shown, not lost
        problems += [_problem({}, numbers, e) for e in error.errors()]
        request = PlanEdits.model_validate({"plan": plan, "edits": usable})
    result = planning.edit(page.services, page.user, episode_id, request)
    if not problems:
        return result
    return EditedPlan(CheckedPlan(result.plan, [*problems, *result.problems]), saved=False)


def _problem(edit: dict[str, Any], numbers: dict[str, int], error: Any) -> str:
    where = error["loc"]
    thread = edit.get("thread")
    name = f"T{numbers[thread]}" if thread in numbers else "The new thread" if edit else "The plan"
    field = str(where[-1]).replace("_mm", " (mm)").replace("_", " ") if where else "value"
    return f"{name} {field}: {plain_error(error)}"


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

