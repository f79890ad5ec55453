"""Outcomes: a follow-up photo compared with the baseline, lift in mm per area with its uncertainty."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from threadlift.clinic.errors import InvalidInput
from threadlift.clinic.roles import Permission
from threadlift.face.compare import Comparison, compare
from threadlift.face.compare_report import comparison_to_dict
from threadlift.services import photos
from threadlift.services.base import Services, record, require
from threadlift.store.users import User


@dataclass(frozen=True)
class Outcome:
    before: photos.StoredPhoto
    after: photos.StoredPhoto
    comparison: Comparison
    document: dict[str, object]


def compare_photos(svc: Services, actor: User, before_id: UUID, after_id: UUID, *, force: bool = False) -> Outcome:
    """Compare two stored photos of one episode's patient (a refused pair comes back with its reasons)."""
    require(actor, Permission.PHOTO_READ)
    if before_id == after_id:
        raise InvalidInput("choose two different photos to compare", rule="compare")
    before, before_analysis = photos.analysis_of(svc, actor, before_id)
    after, after_analysis = photos.analysis_of(svc, actor, after_id)
    with svc.uow(read_only=True) as uow:
        patients = {uow.episodes.get(p.episode_id).patient_id for p in (before, after)}
    if len(patients) != 1:
        raise InvalidInput("the two photos belong to different patients", rule="compare")
    comparison = svc.derived.get_or_make(
        ("compare", str(before_id), str(after_id), force),
        lambda: compare(before_analysis, after_analysis, force=force))
    days = None
    if before.uploaded_at and after.uploaded_at:
        days = (after.uploaded_at.date() - before.uploaded_at.date()).days
    with svc.uow(logs_reads=True) as uow:
        record(uow, svc, actor, "compare", "photo", after_id, before=str(before_id))
        uow.commit()
    return Outcome(before, after, comparison, comparison_to_dict(comparison, days_since_baseline=days))
