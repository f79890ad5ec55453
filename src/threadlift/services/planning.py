"""Plans on the record: suggested from the episode's baseline frontal photo, edited, checked, saved, drawn.

The plan document (:mod:`threadlift.plan`) is validated here before the episode stores it; the
domain keeps it as data. The consultation supplies the areas of concern, the laxity grade and
polymer allergies (SEL-09); the patient record supplies age and dosing weight. Edits are the typed
ones of :mod:`threadlift.plan.edit`, whoever makes them: the plan page, the JSON API, the command line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from threadlift.clinic.catalogue import catalogue
from threadlift.clinic.consultation import AllergyKind, TreatmentArea
from threadlift.clinic.episode import Episode, Plan, PlanNote
from threadlift.clinic.errors import InvalidInput, NotFound
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.face.analysis import FaceAnalysis
from threadlift.plan.checks import injection_points
from threadlift.plan.draw import Row, panel_rows, png_bytes, to_svg
from threadlift.plan.edit import CheckedPlan, PlanEdit, checked
from threadlift.plan.model import DEPTH_PLANES, ZoneFlag
from threadlift.plan.model import Plan as PlanDocument
from threadlift.plan.scene import Scene, build_scene, pose_note
from threadlift.plan.suggest import PlanInput, suggest
from threadlift.plan.validate import PlanInvalid, parse
from threadlift.reports.marking_sheet import marking_sheet_pdf
from threadlift.services import photos
from threadlift.services.base import Services, require
from threadlift.services.episodes import EpisodeRecord, change_episode, clinical_record, read_record
from threadlift.services.ports import UnitOfWork


class NoPlanningPhoto(NotFound):
    rule = "planning_photo"


class PlanSubmission(BaseModel):
    """A plan to save: a marking map (validated, its areas taken from its threads), or only areas."""

    areas: list[TreatmentArea] = Field(default_factory=list, description="the areas, when no marking map is given")
    note: PlanNote = ""
    marking_map: PlanDocument | None = Field(default=None, description="a plan document "
                                             "(threadlift/plan/data/plan.schema.json)")
    acknowledge_zone_flags: bool = Field(default=False, description="the clinician has reviewed the marking map's "
                                         "danger-zone warnings (PRO-03); a plan with any is saved only then")


class PlanEdits(BaseModel):
    """Edits to a plan, checked together; with ``save``, the result is saved when it has no problems."""

    plan: PlanDocument | None = Field(default=None, description="the plan to edit (default: the episode's saved "
                                      "plan, else the suggestion)")
    edits: list[PlanEdit] = Field(default_factory=list, max_length=500)
    save: bool = False
    acknowledge_zone_flags: bool = Field(default=False, description="the clinician has reviewed the danger-zone "
                                         "warnings (PRO-03); a plan with any is saved only then")
    note: PlanNote = ""


@dataclass(frozen=True)
class PlanView:
    """A plan with the photo it is drawn on."""

    plan: PlanDocument
    photo: photos.StoredPhoto
    analysis: FaceAnalysis
    saved: bool

    def scene(self) -> Scene:
        return build_scene(self.plan, self.analysis)


@dataclass(frozen=True)
class EditedPlan:
    checked: CheckedPlan
    saved: bool  # saved on the record by this edit

    @property
    def plan(self) -> PlanDocument:
        return self.checked.plan

    @property
    def problems(self) -> list[str]:
        return self.checked.problems


@dataclass(frozen=True)
class PlanDrawing:
    """A plan drawn on its photo for the editor: the map, its legend, and the flags by level."""

    plan: PlanDocument
    svg: str
    legend: list[Row]
    numbers: dict[str, int]  # thread id -> its number on the map (T1, T2...)
    warnings: list[ZoneFlag]
    cautions: list[ZoneFlag]
    pose_warning: str | None  # the photo's head pose is beyond the frontal limits


@dataclass(frozen=True)
class MarkingSheet:
    """The plan as printed: each thread's numbered entry and exit points, as on the map."""

    record: EpisodeRecord
    plan: PlanDocument
    saved: bool
    points: dict[str, tuple[int, int]]  # thread id -> (entry point number, exit point number)


def planning_photo(svc: Services, actor: User, episode_id: UUID, sha256: str | None = None) -> photos.StoredPhoto:
    """The frontal photo a plan is drawn on: the one it was made on, else the newest frontal baseline."""
    stored = photos.usable(photos.photos_of(svc, actor, episode_id))  # never one recorded in error
    if sha256:
        for photo in stored:
            if photo.analysis.get("image", {}).get("sha256") == sha256:
                return photo
    frontal = [p for p in stored if p.view == "frontal" and p.stage == "baseline"]
    if not frontal:
        raise NoPlanningPhoto("add a frontal baseline photo first: the marking map is drawn on it")
    return frontal[-1]


def current(svc: Services, actor: User, episode_id: UUID) -> PlanView:
    """The saved plan of the episode, or a fresh suggestion when none is saved yet."""
    require(actor, Permission.MEDICAL_READ)
    found = clinical_record(svc, actor, episode_id, "plan")
    saved = found.episode.plan.marking_map if found.episode.plan else None
    if saved:
        document = checked(PlanDocument.model_validate(saved)).plan
        return _on_photo(svc, actor, episode_id, document, saved=True)
    return _suggested(svc, actor, found)


def _suggested(svc: Services, actor: User, found: EpisodeRecord) -> PlanView:
    episode, patient = found.episode, found.patient
    if episode.consultation is None:
        raise InvalidInput("record the consultation first: the plan starts from its areas of concern",
                           rule="consultation")
    photo = planning_photo(svc, actor, episode.id)
    stored, analysis = photos.analysis_of(svc, actor, photo.id)
    consultation = episode.consultation
    concerns = [a.area.value for a in consultation.areas_of_concern] or ["midface"]
    avoid = [a.material or a.substance for a in consultation.history.allergies
             if a.kind is AllergyKind.THREAD_POLYMER]
    document = suggest(PlanInput.from_analysis(analysis), concerns, now=svc.clock(),
                       age_years=_age(patient.date_of_birth, svc.today()),
                       laxity_grade=consultation.laxity_grade, avoid_materials=avoid,
                       weight_kg=patient.dosing_weight_kg or patient.weight_kg,
                       jurisdiction=svc.policy.jurisdiction.value)
    return PlanView(document, stored, analysis, saved=False)


def _on_photo(svc: Services, actor: User, episode_id: UUID, plan: PlanDocument, *, saved: bool) -> PlanView:
    photo = planning_photo(svc, actor, episode_id, plan.photo.sha256 if plan.photo else None)
    _, analysis = photos.analysis_of(svc, actor, photo.id)
    return PlanView(plan, photo, analysis, saved=saved)


def edit(svc: Services, actor: User, episode_id: UUID, request: PlanEdits) -> EditedPlan:
    """Apply the edits to the given plan (default: the current one), check it, and save it when asked
    and valid. Problems come back with the plan and its zone flags, never as a refusal: a plan being
    edited may be invalid on its way to a valid one."""
    require(actor, Permission.MEDICAL_READ)
    base = request.plan if request.plan is not None else current(svc, actor, episode_id).plan
    result = edit_document(base, request.edits)
    if request.save and result.valid:
        unacknowledged = zone_flags_to_acknowledge(result.plan, request.acknowledge_zone_flags)
        if unacknowledged:
            return EditedPlan(CheckedPlan(result.plan, [unacknowledged]), saved=False)
        save_checked(svc, actor, episode_id, result.plan, request.note)
        return EditedPlan(result, saved=True)
    return EditedPlan(result, saved=False)


def zone_flags_to_acknowledge(plan: PlanDocument, acknowledged: bool) -> str | None:
    """Why a plan with danger-zone warnings (PRO-03) is not saved yet: they need the clinician's
    acknowledgement first (None: nothing to acknowledge, or acknowledged)."""
    warnings = [f for f in plan.danger_flags if f.level == "warning"]
    if not warnings or acknowledged:
        return None
    numbers = {t.id: i + 1 for i, t in enumerate(plan.threads)}
    named = sorted({f"T{numbers.get(f.thread_id, '?')} {f.zone.replace('_', ' ')}" for f in warnings})
    return ("the plan has danger-zone warnings (PRO-03): " + ", ".join(named) + "; review them on the map and "
            "acknowledge them to save the plan")


def edit_document(plan: PlanDocument, edits: list[PlanEdit]) -> CheckedPlan:
    """Edits on a plan document alone (no record): the command line's ``plan edit``."""
    try:
        return checked(plan, edits)
    except PlanInvalid as error:  # an edit that cannot apply (an unknown thread) leaves the plan as it was
        unedited = checked(plan)
        return CheckedPlan(unedited.plan, [*error.problems, *unedited.problems])


def submit(svc: Services, actor: User, episode_id: UUID, submission: PlanSubmission) -> Plan:
    """Save a marking map (checked first), or a plan of areas only."""
    if submission.marking_map is not None:
        result = checked(submission.marking_map)
        if not result.valid:
            raise InvalidInput(str(PlanInvalid(result.problems)), rule="plan")
        unacknowledged = zone_flags_to_acknowledge(result.plan, submission.acknowledge_zone_flags)
        if unacknowledged:
            raise InvalidInput(unacknowledged, rule="PRO-03")
        return save_checked(svc, actor, episode_id, result.plan, submission.note)
    if not submission.areas:
        raise InvalidInput("give the plan's areas, or a marking map", rule="plan")
    return _record(svc, actor, episode_id, [a.value for a in submission.areas], submission.note, None)


def save_checked(svc: Services, actor: User, episode_id: UUID, plan: PlanDocument, note: str) -> Plan:
    """Store a plan that :func:`checked` found valid (moves a consented episode to 'planned')."""
    areas = sorted({t.area for t in plan.threads}) or sorted(plan.concerns)
    return _record(svc, actor, episode_id, areas, note, json.loads(plan.model_dump_json(exclude_none=True)))


def _record(svc: Services, actor: User, episode_id: UUID, areas: list[str], note: str,
            marking_map: dict[str, object] | None) -> Plan:
    plan = Plan.model_validate({"areas": areas, "note": note, "planned_by": actor.id, "planned_at": svc.clock(),
                                "marking_map": marking_map})

    def change(uow: UnitOfWork, episode: Episode) -> Plan:
        episode.record_plan(plan)
        return plan

    return change_episode(svc, actor, episode_id, Permission.MEDICAL_WRITE, "plan", change)


def drawing(svc: Services, actor: User, episode_id: UUID, plan: PlanDocument) -> PlanDrawing:
    """``plan`` drawn on the episode's planning photo, with draggable points, for the editor."""
    view = _on_photo(svc, actor, episode_id, plan, saved=False)
    scene = view.scene()
    flags = plan.danger_flags
    return PlanDrawing(plan, to_svg(scene, editable=True, panel=False), panel_rows(scene),
                       {t.id: i + 1 for i, t in enumerate(plan.threads)},
                       [f for f in flags if f.level == "warning"], [f for f in flags if f.level == "caution"],
                       pose_note(view.analysis.pose))


def map_png(svc: Services, actor: User, episode_id: UUID) -> bytes:
    return png_bytes(current(svc, actor, episode_id).scene())


def sheet_pdf(svc: Services, actor: User, episode_id: UUID) -> bytes:
    """The A4 marking sheet: map, thread list with empty lot and expiry cells, anaesthetic plan."""
    view = current(svc, actor, episode_id)
    def aware(moment: datetime) -> datetime:  # a plan file written without a zone holds UTC
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    return marking_sheet_pdf(view.plan, view.scene(), printed_at=svc.clock(),
                             day=lambda moment: svc.day_text(aware(moment)),
                             hour=lambda moment: f"{svc.wall_clock(aware(moment)):%H:%M}")


def marking_sheet(svc: Services, actor: User, episode_id: UUID) -> MarkingSheet:
    view = current(svc, actor, episode_id)
    with svc.uow(logs_reads=True) as uow:
        found = read_record(uow, svc, actor, episode_id, "plan")
        uow.commit()
    numbers = {point: i + 1 for i, point in enumerate(injection_points(view.plan))}
    return MarkingSheet(found, view.plan, view.saved,
                        {t.id: (_nearest(numbers, t.vector.entry.xy()), _nearest(numbers, t.vector.exit.xy()))
                         for t in view.plan.threads})


def parse_document(text: str) -> PlanDocument:
    """A plan document from its JSON text; raises :class:`PlanInvalid` with every schema problem."""
    return parse(text)


def as_text(plan: PlanDocument) -> str:
    return plan.model_dump_json(exclude_none=True)


def _nearest(numbers: dict[tuple[float, float], int], xy: tuple[float, float]) -> int:
    return min(numbers.items(), key=lambda kv: (kv[0][0] - xy[0]) ** 2 + (kv[0][1] - xy[1]) ** 2)[1]


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass(frozen=True)
class CatalogueChoices:
    """What the forms offer, from the thread catalogue (threadlift/clinic/data/thread_catalogue.json)."""

    areas: list[str]
    designs: list[str]
    materials: list[str]
    gauges: list[str]
    lengths_mm: list[float]
    depths: list[str]


def choices() -> CatalogueChoices:
    cat = catalogue()
    return CatalogueChoices(list(cat.areas), [d.value for d in cat.designs], [m.value for m in cat.materials],
                            list(cat.gauges.values), list(cat.lengths_mm.typical), list(DEPTH_PLANES))
