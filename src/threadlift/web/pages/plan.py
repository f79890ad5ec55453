"""The plan editor on the marking map: drag or type points, add or remove threads, live zone checks."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from threadlift.clinic.catalogue import catalogue
from threadlift.clinic.errors import DomainError
from threadlift.plan import edit
from threadlift.plan.checks import anaesthetic_plan, danger_flags, injection_points
from threadlift.plan.draw import panel_rows, png_bytes, to_svg
from threadlift.plan.model import Plan, Side
from threadlift.plan.validate import PlanInvalid, parse, validate
from threadlift.reports.marking_sheet import marking_sheet_pdf
from threadlift.services import episodes, people, photos, planning
from threadlift.web.pages.common import PageDep, domain_message
from threadlift.web.pages.routing import page_router

router = page_router()


def _choices() -> dict[str, Any]:
    cat = catalogue()
    return {"areas": list(cat.areas), "designs": [d.value for d in cat.designs],
            "materials": [m.value for m in cat.materials], "gauges": cat.gauges.values,
            "lengths": cat.lengths_mm.typical, "depths": ["subdermal", "subcutaneous", "smas", "sub_smas"]}


def _editor_context(page: PageDep, episode_id: UUID, plan: Plan, problems: list[str]) -> dict[str, Any]:
    view = planning.check(page.services, page.user, episode_id, plan.model_dump_json()) if not problems else None
    if view is None:  # an invalid edit is still drawn, with its problems listed
        photo = planning.planning_photo(page.services, page.user, episode_id,
                                        plan.photo.sha256 if plan.photo else None)
        _, analysis = photos.analysis_of(page.services, page.user, photo.id)
        plan = plan.model_copy(update={"danger_flags": danger_flags(plan),
                                       "local_anaesthetic": anaesthetic_plan(plan, plan.weight_kg, plan.jurisdiction)})
        view = planning.PlanView(plan, photo, analysis, saved=False)
    scene = view.scene()
    numbers = {t.id: i + 1 for i, t in enumerate(view.plan.threads)}
    flags = view.plan.danger_flags
    return {"plan": view.plan, "svg": to_svg(scene, editable=True, panel=False), "legend": panel_rows(scene),
            "problems": problems, "numbers": numbers, "plan_json": planning.as_text(view.plan),
            "warnings": [f for f in flags if f.level == "warning"],
            "cautions": [f for f in flags if f.level == "caution"], **_choices()}


@router.get("/episodes/{episode_id}/plan")
def editor(episode_id: UUID, page: PageDep) -> Response:
    episode = episodes.clinical_episode(page.services, page.user, episode_id, "plan")
    patient = people.get_patient(page.services, page.user, episode.patient_id)
    try:
        view = planning.current(page.services, page.user, episode_id)
    except DomainError as error:
        return page.render("plan.html", 409, episode=episode, patient=patient, blocked=domain_message(error))
    return page.render("plan.html", episode=episode, patient=patient, saved=view.saved,
                       note=episode.plan.note if episode.plan else "",
                       **_editor_context(page, episode_id, view.plan, []))


@router.post("/episodes/{episode_id}/plan/edit")
async def apply_edit(episode_id: UUID, page: PageDep) -> Response:
    form = await page.request.form()
    try:
        plan, problems = _edited(form)
    except PlanInvalid as error:
        return page.render("_plan_problems.html", 422, problems=error.problems)
    return page.render("_plan_editor.html", episode_id=episode_id, **_editor_context(page, episode_id, plan, problems))


@router.post("/episodes/{episode_id}/plan")
async def save(episode_id: UUID, page: PageDep) -> Response:
    form = await page.request.form()
    episode = episodes.clinical_episode(page.services, page.user, episode_id, "plan")
    patient = people.get_patient(page.services, page.user, episode.patient_id)
    note = str(form.get("note", ""))[:4000]
    try:
        plan, problems = _edited(form)
        if problems:
            raise PlanInvalid(problems)
        planning.save(page.services, page.user, episode_id, planning.as_text(plan), note)
    except PlanInvalid as error:
        plan = parse(str(form.get("plan", "")))
        return page.render("plan.html", 422, episode=episode, patient=patient, saved=False, note=note,
                           save_error="The plan has problems: " + "; ".join(error.problems),
                           **_editor_context(page, episode_id, plan, error.problems))
    except DomainError as error:
        plan, problems = _edited(form)
        return page.render("plan.html", 409, episode=episode, patient=patient, saved=False, note=note,
                           save_error=domain_message(error), **_editor_context(page, episode_id, plan, problems))
    return page.redirect(f"/episodes/{episode_id}/plan")


def _edited(form: FormData) -> tuple[Plan, list[str]]:
    """The plan from the form with the form's edits applied, and its problems (empty when valid)."""
    plan = parse(str(form.get("plan", "")))
    changes: dict[str, dict[str, str]] = defaultdict(dict)
    for key, value in form.items():
        if key.startswith("set.") and isinstance(value, str):
            _, thread_id, field = key.split(".", 2)
            changes[thread_id][field] = value
    for thread in plan.threads:  # unticked checkboxes are not sent at all
        if thread.id in changes and "anchored" not in changes[thread.id]:
            changes[thread.id]["anchored"] = "off"
    try:
        plan = edit.set_fields(plan, changes)
    except ValidationError as error:
        return plan, [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
    op = str(form.get("op", "check"))
    if op.startswith("remove:"):
        plan = edit.remove_thread(plan, op.removeprefix("remove:"))
    elif op == "add":
        try:
            plan = edit.add_thread(plan, str(form.get("add_area", "")), Side(str(form.get("add_side", "left"))))
        except (KeyError, ValueError) as error:
            return plan, [str(error).strip("'\"")]
    try:
        return validate(plan), []
    except PlanInvalid as error:
        return plan, error.problems


@router.get("/episodes/{episode_id}/plan/map.png")
def map_png(episode_id: UUID, page: PageDep) -> Response:
    view = planning.current(page.services, page.user, episode_id)
    return Response(png_bytes(view.scene()), media_type="image/png", headers={"Cache-Control": "private, no-store"})


@router.get("/episodes/{episode_id}/plan/sheet.pdf")
def sheet(episode_id: UUID, page: PageDep) -> Response:
    view = planning.current(page.services, page.user, episode_id)
    pdf = marking_sheet_pdf(view.plan, view.scene(), printed_at=datetime.now(UTC))
    return Response(pdf, media_type="application/pdf", headers={
        "Cache-Control": "private, no-store", "Content-Disposition": 'inline; filename="marking-sheet.pdf"'})


@router.get("/episodes/{episode_id}/plan/print")
def print_view(episode_id: UUID, page: PageDep) -> Response:
    episode = episodes.clinical_episode(page.services, page.user, episode_id, "plan")
    patient = people.get_patient(page.services, page.user, episode.patient_id)
    view = planning.current(page.services, page.user, episode_id)
    numbers = {point: i + 1 for i, point in enumerate(_points(view.plan))}
    return page.render("plan_print.html", episode=episode, patient=patient, plan=view.plan, saved=view.saved,
                       numbers=numbers, point_of=lambda xy: _nearest(numbers, xy))


def _points(plan: Plan) -> list[tuple[float, float]]:
    return injection_points(plan)


def _nearest(numbers: dict[tuple[float, float], int], xy: tuple[float, float]) -> int:
    return min(numbers.items(), key=lambda kv: (kv[0][0] - xy[0]) ** 2 + (kv[0][1] - xy[1]) ** 2)[1]

