"""Photos: consent checked, analysed, location removed, encrypted into the vault, read back by permitted
roles, and drawn on (the landmark overlay) for the pages."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from threadlift.clinic.consent import PhotoConsent, PhotoScope, photo_consent_refusal
from threadlift.clinic.corrections import InError
from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import ConsentMissing, InvalidInput, NotFound
from threadlift.clinic.photos import PhotoRecord, PhotoStage
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.face.analysis import FaceAnalysis
from threadlift.face.errors import ImageTooLarge, NotAnImage
from threadlift.face.metrics import MEASURES_BY_NAME
from threadlift.face.overlay import render_overlay
from threadlift.face.pose import View
from threadlift.services.base import Services, record, require
from threadlift.services.commands import MarkPhotoInError, PhotoUpload
from threadlift.services.ports import UnitOfWork
from threadlift.store.exif import strip_location

MAX_UPLOAD_BYTES = 60 * 1024 * 1024
VIEWS = tuple(v.value for v in View)
STAGES = tuple(s.value for s in PhotoStage)


@dataclass(frozen=True)
class StoredPhoto:
    """A stored photo as the pages and the API show it (never the vault's file name)."""

    id: UUID
    episode_id: UUID
    view: str
    stage: str
    original_sha256: str
    location_removed: bool
    quality_ok: bool
    analysis: dict[str, Any]
    uploaded_at: datetime | None = None
    entered_in_error: InError | None = None  # kept and shown struck through; never measured, compared, planned on

    @property
    def measurement_rows(self) -> list[dict[str, Any]]:
        return measurement_rows(self.analysis)


@dataclass(frozen=True)
class PhotoCheck:
    """A photo analysed but not stored: its analysis document and the landmark overlay (JPEG)."""

    document: dict[str, Any]
    overlay_jpeg: bytes

    @property
    def measurement_rows(self) -> list[dict[str, Any]]:
        return measurement_rows(self.document)


def _check_upload(svc: Services, actor: User, upload: PhotoUpload) -> Episode:
    require(actor, Permission.PHOTO_WRITE)
    if upload.view not in VIEWS:
        raise InvalidInput(f"view must be one of {', '.join(VIEWS)}", rule="view")
    if upload.stage not in STAGES:
        raise InvalidInput(f"stage must be one of {', '.join(STAGES)}", rule="stage")
    if not upload.data:  # a photo's problem (422 with its code), like any other unusable file
        raise NotAnImage("the file is empty: choose a photo file (or take one with the camera) first")
    if len(upload.data) > MAX_UPLOAD_BYTES:
        raise ImageTooLarge(f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB; export a smaller copy")
    with svc.uow(read_only=True) as uow:
        episode = uow.episodes.get(upload.episode_id)
        _require_photo_consent(uow.consents.photo_consents(episode.patient_id), svc.clock())
    return episode


def _require_photo_consent(consents: list[PhotoConsent], now: datetime) -> None:
    refusal = photo_consent_refusal(consents, PhotoScope.CLINICAL_RECORD, now)
    if refusal is not None:
        raise ConsentMissing(refusal, rule="photo_consent")


def check(svc: Services, actor: User, upload: PhotoUpload) -> PhotoCheck:
    """Analyse a photo without storing it, so quality problems are seen before it is accepted. A file that
    could not be stored (damaged metadata or data) is refused here too, with the same reason."""
    _check_upload(svc, actor, upload)
    summary = svc.analyser.summarise(upload.data, overlay=True)  # raises PhotoError for unusable files
    strip_location(upload.data)  # raises PhotoError for a file that cannot be stored safely
    return PhotoCheck(_document(summary.document, upload.view), summary.overlay_jpeg or b"")


def _document(analysed: dict[str, Any], view: str) -> dict[str, Any]:
    document = dict(analysed)
    document["image"] = {**document["image"], "path": None}  # the upload's file name may hold a patient's name
    if document["view"] != view:
        document.setdefault("warnings", []).append(
            f"recorded as {view} but the photo looks like a {document['view'].replace('_', ' ')} view")
    return document


def upload(svc: Services, actor: User, upload: PhotoUpload) -> StoredPhoto:
    """Store a photo for an episode. The photo is analysed first: a file that is not a usable photo is
    refused with its reason (:class:`threadlift.face.errors.PhotoError`) and nothing is stored.

    The consent is checked again in the transaction that stores the record, its rows locked, so a
    withdrawal cannot slip in between. The encrypted file is written pending before the commit and
    published after it: a failed commit discards it, and a crash leaves a pending file that
    :func:`threadlift.services.operations.recover_pending_files` settles, never a photo file without its record."""
    episode = _check_upload(svc, actor, upload)
    document = _document(svc.analyser.summarise(upload.data).document, upload.view)  # PhotoError: unusable
    stored, content_type, removed = strip_location(upload.data)  # PhotoError: cannot be stored safely
    name = svc.vault.stage(stored)
    committing = False
    try:
        with svc.uow() as uow:
            now = svc.clock()
            _require_photo_consent(uow.consents.photo_consents(episode.patient_id, lock=True), now)
            photo = PhotoRecord(patient_id=episode.patient_id, episode_id=episode.id, view=upload.view,
                                stage=PhotoStage(upload.stage), stored_name=name,
                                original_sha256=hashlib.sha256(upload.data).hexdigest(),
                                stored_sha256=hashlib.sha256(stored).hexdigest(), content_type=content_type,
                                size_bytes=len(stored), location_removed=removed, uploaded_at=now,
                                uploaded_by=actor.id, quality_ok=bool(document["quality"]["ok"]), analysis=document)
            uow.photos.add(photo)
            record(uow, svc, actor, "create", "photo", photo.id, episode=str(episode.id), view=upload.view)
            committing = True
            uow.commit()
    except BaseException:
        if not committing or not _recorded(svc, name):
            svc.vault.discard(name)
        raise
    svc.vault.publish(name)
    return shown(photo)


def _recorded(svc: Services, name: str) -> bool:
    """After a commit that raised: did it commit all the same? (If the database cannot say, the pending
    file stays for :func:`threadlift.services.operations.recover_pending_files`.)"""
    try:
        with svc.uow(read_only=True) as uow:
            return bool(uow.photos.stored_names([name]))
    except Exception:
        return True


def photos_of(svc: Services, actor: User, episode_id: UUID) -> list[StoredPhoto]:
    require(actor, Permission.PHOTO_READ)
    with svc.uow(logs_reads=True) as uow:
        found = stored_photos(uow, svc, actor, episode_id)
        uow.commit()
        return found


def stored_photos(uow: UnitOfWork, svc: Services, actor: User, episode_id: UUID, *,
                  listed: list[PhotoRecord] | None = None) -> list[StoredPhoto]:
    """Inside a use case's unit of work: the episode's photos (or those ``listed`` from it already), the
    read logged."""
    rows = uow.photos.for_episode(episode_id) if listed is None else listed
    record(uow, svc, actor, "read", "photo", None, episode=str(episode_id), count=len(rows))
    return [shown(r) for r in rows]


def photo_record(svc: Services, actor: User, photo_id: UUID) -> StoredPhoto:
    require(actor, Permission.PHOTO_READ)
    with svc.uow(logs_reads=True) as uow:
        photo = uow.photos.get(photo_id)
        record(uow, svc, actor, "read", "photo", photo_id, content="analysis")
        uow.commit()
        return shown(photo)


def photo_bytes(svc: Services, actor: User, photo_id: UUID) -> tuple[bytes, str]:
    require(actor, Permission.PHOTO_READ)
    with svc.uow(logs_reads=True) as uow:
        photo = uow.photos.get(photo_id)
        data = svc.vault.get(photo.stored_name)
        if hashlib.sha256(data).hexdigest() != photo.stored_sha256:
            raise InvalidInput("the stored photo does not match its recorded hash; it has been altered",
                               rule="photo_integrity")
        record(uow, svc, actor, "read", "photo", photo_id, content="image")
        uow.commit()
        return data, photo.content_type


def analysis_of(svc: Services, actor: User, photo_id: UUID) -> tuple[StoredPhoto, FaceAnalysis]:
    """A stored photo with its full analysis (landmarks, pixels), for drawing. Audited as a read."""
    data, _ = photo_bytes(svc, actor, photo_id)
    with svc.uow(read_only=True) as uow:
        stored = shown(uow.photos.get(photo_id))
    analysis = svc.derived.get_or_make(("analysis", str(photo_id)),
                                       lambda: svc.analyser.analyse(data))
    return stored, analysis


def overlay_jpeg(svc: Services, actor: User, photo_id: UUID) -> bytes:
    """The stored photo with its landmarks and measurements drawn on it."""
    _, analysis = analysis_of(svc, actor, photo_id)
    return _jpeg_overlay(analysis, quality=88)


def _jpeg_overlay(analysis: FaceAnalysis, quality: int) -> bytes:
    buffer = io.BytesIO()
    render_overlay(analysis).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def measurement_rows(document: dict[str, Any]) -> list[dict[str, Any]]:
    """An analysis document's measurements as table rows: name, area, one value or left and right."""
    rows = []
    for name, value in document.get("measurements", {}).items():
        measure = MEASURES_BY_NAME.get(name)
        rows.append({"name": name, "area": measure.area if measure else "", "sided": "left" in value, **value})
    for region, value in document.get("symmetry", {}).items():
        if isinstance(value, dict):  # analyses stored before schema 1.1 hold bare numbers here
            rows.append({"name": f"asymmetry_{region}_mm", "area": "symmetry", "sided": False, **value})
    return rows


def shown(photo: PhotoRecord) -> StoredPhoto:
    return StoredPhoto(photo.id, photo.episode_id, photo.view, photo.stage.value, photo.original_sha256,
                       photo.location_removed, photo.quality_ok, dict(photo.analysis), photo.uploaded_at,
                       photo.entered_in_error)


def usable(photos: list[StoredPhoto]) -> list[StoredPhoto]:
    """The photos that may be measured, compared or planned on: not those recorded in error."""
    return [p for p in photos if p.entered_in_error is None]


def mark_in_error(svc: Services, actor: User, command: MarkPhotoInError) -> StoredPhoto:
    """A photo recorded in error (the wrong patient, the wrong stage): kept, marked with the reason, by whom and
    when; it is no longer measured, compared, planned on or counted in outcomes. Audited."""
    require(actor, Permission.PHOTO_WRITE)
    with svc.uow() as uow:
        photo = uow.photos.get(command.photo_id)
        if command.episode_id is not None and photo.episode_id != command.episode_id:
            raise NotFound("no such photo in this episode")
        mark = InError(reason=command.correction.reason, by=actor.id, at=svc.clock())
        if not uow.photos.mark_in_error(photo.id, mark):
            raise InvalidInput("this photo is already marked as entered in error", rule="correction")
        record(uow, svc, actor, "entered_in_error", "photo", photo.id, episode=str(photo.episode_id))
        uow.commit()
    return shown(photo.model_copy(update={"entered_in_error": mark}))
