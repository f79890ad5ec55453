"""Photos: consent checked, analysed, location removed, encrypted into the vault, read back by permitted roles."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from threadlift.clinic.consent import PhotoScope
from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import ConsentMissing, InvalidInput
from threadlift.clinic.roles import Permission
from threadlift.face.analysis import FaceAnalysis, default_analyzer
from threadlift.face.load import load_photo
from threadlift.face.pose import View
from threadlift.services.base import Services, record, require
from threadlift.store.exif import strip_location
from threadlift.store.tables import PhotoRow
from threadlift.store.users import User

MAX_UPLOAD_BYTES = 60 * 1024 * 1024
STAGES = ("baseline", "procedure_day", "follow_up")


@dataclass(frozen=True)
class StoredPhoto:
    id: UUID
    episode_id: UUID
    view: str
    stage: str
    original_sha256: str
    location_removed: bool
    quality_ok: bool
    analysis: dict[str, Any]
    uploaded_at: datetime | None = None


def _check_upload(svc: Services, actor: User, episode_id: UUID, data: bytes, view: str, stage: str) -> Episode:
    require(actor, Permission.PHOTO_WRITE)
    if view not in {v.value for v in View}:
        raise InvalidInput(f"view must be one of {', '.join(v.value for v in View)}", rule="view")
    if stage not in STAGES:
        raise InvalidInput(f"stage must be one of {', '.join(STAGES)}", rule="stage")
    if not data:
        raise InvalidInput("choose a photo file (or take one with the camera) first", rule="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB; export a smaller copy",
                           rule="too_large")
    with svc.uow() as uow:
        episode = uow.episodes.get(episode_id)
        consents = uow.consents.photo_consents(episode.patient_id)
        now = svc.clock()
        if not any(c.allows(PhotoScope.CLINICAL_RECORD, now) for c in consents):
            raise ConsentMissing("the patient has no active consent to clinical photography; record it first",
                                 rule="photo_consent")
    return episode


def check(svc: Services, actor: User, episode_id: UUID, *, data: bytes, view: str,
          stage: str = "baseline") -> tuple[FaceAnalysis, dict[str, Any]]:
    """Analyse a photo without storing it, so quality problems are seen before it is accepted."""
    _check_upload(svc, actor, episode_id, data, view, stage)
    analysis = default_analyzer().analyze(load_photo(data))  # raises PhotoError for unusable files
    return analysis, _document(analysis, view)


def _document(analysis: FaceAnalysis, view: str) -> dict[str, Any]:
    document = analysis.to_dict()
    document["image"]["path"] = None  # the upload's file name may hold a patient's name
    if document["view"] != view:
        document.setdefault("warnings", []).append(
            f"recorded as {view} but the photo looks like a {document['view'].replace('_', ' ')} view")
    return document


def upload(svc: Services, actor: User, episode_id: UUID, *, data: bytes, view: str, stage: str) -> StoredPhoto:
    """Store a photo for an episode. The photo is analysed first: a file that is not a usable photo is
    refused with its reason (:class:`threadlift.face.errors.PhotoError`) and nothing is stored."""
    episode = _check_upload(svc, actor, episode_id, data, view, stage)
    analysis = default_analyzer().analyze(load_photo(data))  # raises PhotoError for unusable files
    document = _document(analysis, view)
    stored, content_type, removed = strip_location(data)
    name = svc.vault.put(stored)
    row = PhotoRow(id=str(uuid4()), patient_id=str(episode.patient_id), episode_id=str(episode_id), view=view,
                   stage=stage, stored_name=name, original_sha256=hashlib.sha256(data).hexdigest(),
                   stored_sha256=hashlib.sha256(stored).hexdigest(), content_type=content_type, size_bytes=len(stored),
                   location_removed=removed, uploaded_at=svc.clock(), uploaded_by=actor.id,
                   quality_ok=bool(document["quality"]["ok"]), analysis=document)
    with svc.uow() as uow:
        uow.photos.add(row)
        record(uow, svc, actor, "create", "photo", row.id, episode=str(episode_id), view=view)
        uow.commit()
    return _stored(row)


def photos_of(svc: Services, actor: User, episode_id: UUID) -> list[StoredPhoto]:
    require(actor, Permission.PHOTO_READ)
    with svc.uow(logs_reads=True) as uow:
        rows = uow.photos.for_episode(episode_id)
        record(uow, svc, actor, "read", "photo", None, episode=str(episode_id), count=len(rows))
        uow.commit()
        return [_stored(r) for r in rows]


def photo_record(svc: Services, actor: User, photo_id: UUID) -> StoredPhoto:
    require(actor, Permission.PHOTO_READ)
    with svc.uow(logs_reads=True) as uow:
        row = uow.photos.get(photo_id)
        record(uow, svc, actor, "read", "photo", photo_id, content="analysis")
        uow.commit()
        return _stored(row)


def photo_bytes(svc: Services, actor: User, photo_id: UUID) -> tuple[bytes, str]:
    require(actor, Permission.PHOTO_READ)
    with svc.uow(logs_reads=True) as uow:
        row = uow.photos.get(photo_id)
        data = svc.vault.get(row.stored_name)
        if hashlib.sha256(data).hexdigest() != row.stored_sha256:
            raise InvalidInput("the stored photo does not match its recorded hash; it has been altered",
                               rule="photo_integrity")
        record(uow, svc, actor, "read", "photo", photo_id, content="image")
        uow.commit()
        return data, row.content_type


def analysis_of(svc: Services, actor: User, photo_id: UUID) -> tuple[StoredPhoto, FaceAnalysis]:
    """A stored photo with its full analysis (landmarks, pixels), for drawing. Audited as a read."""
    data, _ = photo_bytes(svc, actor, photo_id)
    with svc.uow(read_only=True) as uow:
        row = uow.photos.get(photo_id)
        stored = _stored(row)
    analysis = svc.derived.get_or_make(("analysis", str(photo_id)),
                                       lambda: default_analyzer().analyze(load_photo(data)))
    return stored, analysis


def _stored(row: PhotoRow) -> StoredPhoto:
    return StoredPhoto(UUID(row.id), UUID(row.episode_id), row.view, row.stage, row.original_sha256,
                       row.location_removed, row.quality_ok, dict(row.analysis), row.uploaded_at)

