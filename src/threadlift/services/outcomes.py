"""Outcomes: a follow-up photo compared with the baseline, lift in mm per area with its uncertainty."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

from PIL import Image

from threadlift.clinic.errors import InvalidInput, NotFound
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.face.compare import Comparison, compare
from threadlift.face.compare_draw import aligned_pair, render_comparison
from threadlift.face.compare_report import comparison_to_dict
from threadlift.services import outcome_stats, photos
from threadlift.services.base import Services, record, require
from threadlift.services.commands import ComparePhotos

Picture = Literal["before", "after", "arrows"]


@dataclass(frozen=True)
class Outcome:
    before: photos.StoredPhoto
    after: photos.StoredPhoto
    comparison: Comparison
    document: dict[str, object]


def compare_photos(svc: Services, actor: User, command: ComparePhotos) -> Outcome:
    """Compare two stored photos of one patient (a refused pair comes back with its reasons). With
    ``command.episode_id``, both photos must belong to that episode."""
    require(actor, Permission.PHOTO_READ)
    if command.before_id == command.after_id:
        raise InvalidInput("choose two different photos to compare", rule="compare")
    with svc.uow(read_only=True) as uow:  # whose photos, before any is opened
        records = [uow.photos.get(photo_id) for photo_id in (command.before_id, command.after_id)]
    episodes, patients = {r.episode_id for r in records}, {r.patient_id for r in records}
    if command.episode_id is not None and episodes != {command.episode_id}:
        raise NotFound("these photos are not both of this episode", rule="compare")
    if len(patients) != 1:
        raise InvalidInput("the two photos belong to different patients", rule="compare")
    wrong = next((r for r in records if r.entered_in_error is not None), None)
    if wrong is not None and wrong.entered_in_error is not None:
        raise InvalidInput(f"the {wrong.stage.value.replace('_', ' ')} photo was marked as entered in error "
                           f"({wrong.entered_in_error.reason}); it is kept but never compared: choose another",
                           rule="entered_in_error")
    before, before_analysis = photos.analysis_of(svc, actor, command.before_id)
    after, after_analysis = photos.analysis_of(svc, actor, command.after_id)
    comparison = svc.derived.get_or_make(
        ("compare", str(command.before_id), str(command.after_id), command.force),
        lambda: compare(before_analysis, after_analysis, force=command.force))
    days = None
    if before.uploaded_at and after.uploaded_at:
        days = (svc.date_of(after.uploaded_at) - svc.date_of(before.uploaded_at)).days  # the clinic's days
    keeps = (before.stage, after.stage) == ("baseline", "follow_up") and before.episode_id == after.episode_id \
        and after.uploaded_at is not None
    if keeps:
        with svc.uow(read_only=True) as uow:
            episode = uow.episodes.get(after.episode_id)
        keeps = episode.procedure is not None
    with svc.uow(logs_reads=not keeps) as uow:
        record(uow, svc, actor, "compare", "photo", command.after_id, before=str(command.before_id))
        if keeps and episode.procedure is not None and after.uploaded_at is not None:
            # The lift per area at this follow-up, for the durability figures (issue 18, OUT-02)
            day = max((after.uploaded_at - episode.procedure.started_at).days, 0)
            outcome_stats.keep_lifts(uow, svc, comparison, before_photo_id=str(before.id),
                                     after_photo_id=str(after.id), episode_id=str(episode.id),
                                     patient_id=str(episode.patient_id), day=day)
        uow.commit()
    return Outcome(before, after, comparison, comparison_to_dict(comparison, days_since_baseline=days))


def comparison_jpeg(svc: Services, actor: User, command: ComparePhotos, picture: Picture) -> bytes:
    """One picture of a comparison: the aligned before or after photo, or the arrows in mm."""
    outcome = compare_photos(svc, actor, command)
    if picture == "arrows":
        image = render_comparison(outcome.comparison)
    else:
        before, after = aligned_pair(outcome.comparison)
        image = Image.fromarray(before if picture == "before" else after)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()
