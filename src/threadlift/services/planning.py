"""Plans on the record: suggested from the episode's baseline frontal photo, edited, checked, saved.

The plan document (:mod:`threadlift.plan`) is validated here before the episode stores it; the
domain keeps it as data. The consultation supplies the areas of concern, the laxity grade and
polymer allergies (SEL-09); the patient record supplies age and dosing weight.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from threadlift.clinic.consultation import AllergyKind
from threadlift.clinic.episode import Episode, Plan
from threadlift.clinic.errors import InvalidInput, NotFound
from threadlift.clinic.roles import Permission
from threadlift.face.analysis import FaceAnalysis
from threadlift.plan.model import Plan as PlanDocument
from threadlift.plan.scene import Scene, build_scene
from threadlift.plan.suggest import PlanInput, suggest
from threadlift.plan.validate import PlanInvalid, parse, validate
from threadlift.services import episodes, photos
from threadlift.services.base import Services, require
from threadlift.services.people import get_patient
from threadlift.store.users import User


class NoPlanningPhoto(NotFound):
    rule = "planning_photo"


@dataclass(frozen=True)
class PlanView:
    """A plan with the photo it is drawn on."""

    plan: PlanDocument
    photo: photos.StoredPhoto
    analysis: FaceAnalysis
    saved: bool

    def scene(self) -> Scene:
        return build_scene(self.plan, self.analysis)


def planning_photo(svc: Services, actor: User, episode_id: UUID, sha256: str | None = None) -> photos.StoredPhoto:
    """The frontal photo a plan is drawn on: the one it was made on, else the newest frontal baseline."""
    stored = photos.photos_of(svc, actor, episode_id)
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
    episode = episodes.clinical_episode(svc, actor, episode_id, "plan")
    saved = episode.plan.marking_map if episode.plan else None
    if saved:
        document = validate(PlanDocument.model_validate(saved))
        photo = planning_photo(svc, actor, episode_id, document.photo.sha256 if document.photo else None)
        _, analysis = photos.analysis_of(svc, actor, photo.id)
        return PlanView(document, photo, analysis, saved=True)
    return suggested(svc, actor, episode)


def suggested(svc: Services, actor: User, episode: Episode) -> PlanView:
    if episode.consultation is None:
        raise InvalidInput("record the consultation first: the plan starts from its areas of concern",
                           rule="consultation")
    photo = planning_photo(svc, actor, episode.id)
    stored, analysis = photos.analysis_of(svc, actor, photo.id)
    patient = get_patient(svc, actor, episode.patient_id)
    consultation = episode.consultation
    concerns = [a.area.value for a in consultation.areas_of_concern] or ["midface"]
    avoid = [a.material or a.substance for a in consultation.history.allergies
             if a.kind is AllergyKind.THREAD_POLYMER]
    document = suggest(PlanInput.from_analysis(analysis), concerns, now=svc.clock(),
                       age_years=_age(patient.date_of_birth, svc.clock().date()),
                       laxity_grade=consultation.laxity_grade, avoid_materials=avoid,
                       weight_kg=patient.dosing_weight_kg or patient.weight_kg,
                       jurisdiction=svc.policy.jurisdiction.value)
    return PlanView(document, stored, analysis, saved=False)


def check(svc: Services, actor: User, episode_id: UUID, text: str) -> PlanView:
    """Validate an edited plan (raises :class:`PlanInvalid` listing the problems) and recompute its checks."""
    require(actor, Permission.MEDICAL_READ)
    document = validate(parse(text))
    photo = planning_photo(svc, actor, episode_id, document.photo.sha256 if document.photo else None)
    _, analysis = photos.analysis_of(svc, actor, photo.id)
    return PlanView(document, photo, analysis, saved=False)


def save(svc: Services, actor: User, episode_id: UUID, text: str, note: str = "") -> Plan:
    """Store the checked plan on the episode (moves a consented episode to 'planned')."""
    try:
        document = validate(parse(text))
    except PlanInvalid as error:
        raise InvalidInput(str(error), rule="plan") from None
    areas = sorted({t.area for t in document.threads}) or sorted(document.concerns)
    return episodes.record_plan(svc, actor, episode_id, areas, note,
                                marking_map=json.loads(document.model_dump_json(exclude_none=True)))


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def as_text(plan: PlanDocument) -> str:
    return plan.model_dump_json(exclude_none=True)

