"""Records leaving the clinic: a patient's record gathered in one unit of work, as FHIR (one Bundle, or
the whole clinic as NDJSON files), each export checked against ``fhir.resources`` and audited.

Exports hold every photo whose consent to clinical photography still stands
(:meth:`PatientRecord.without_withdrawn_photos`); only subject access (:mod:`threadlift.services.subject_access`)
gives the patient everything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from threadlift import __version__
from threadlift.clinic.errors import InvalidInput, NotFound
from threadlift.clinic.photos import PhotoRecord
from threadlift.clinic.record import PatientRecord, StaffMember
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.face.metrics import MEASURES
from threadlift.interop.fhir import ClinicInfo, Resource, bundle, bundle_id, patient_resources
from threadlift.services.base import Services, record, require
from threadlift.services.ports import UnitOfWork

FHIR_VERSIONS = ("R5", "R4B")
MEASUREMENT_AREAS = {m.name: m.area for m in MEASURES}


def load_record(uow: UnitOfWork, patient_id: UUID | str) -> PatientRecord:
    """Everything the clinic holds on one patient (raises NotFound for an unknown id)."""
    patient = uow.patients.get(patient_id)
    episodes = tuple(uow.episodes.for_patient(patient_id))
    photos = tuple(sorted((p for e in episodes for p in uow.photos.for_episode(e.id)), key=lambda p: p.uploaded_at))
    documents = {}
    for episode in episodes:
        if episode.consent is not None:
            key = (episode.consent.procedure_type, episode.consent.document_version)
            if key not in documents:
                try:
                    documents[key] = uow.consents.document(*key)
                except NotFound:  # exported without the text; the signed record's hashes still name it
                    continue
    lot_ids = {t.lot_id for e in episodes if e.procedure for t in e.procedure.threads}
    lots = {lot_id: uow.lots.get(lot_id) for lot_id in sorted(lot_ids, key=str)}
    staff = {u.id: StaffMember(u.id, u.display_name, u.role.value) for u in uow.users.all()}
    return PatientRecord(patient, episodes, photos, tuple(uow.consents.photo_consents(patient_id)), documents, lots,
                         staff, tuple(uow.appointments.for_patient(patient_id)))


def clinic_info(svc: Services) -> ClinicInfo:
    s = svc.settings
    return ClinicInfo(name=s.clinic_name, jurisdiction=str(s.jurisdiction), timezone=s.timezone,
                      base_url=s.fhir_base_url, software_version=__version__)


def photo_files(svc: Services, photos: tuple[PhotoRecord, ...]) -> dict[UUID, bytes]:
    """The stored files of ``photos``, decrypted; each checked against its recorded hash."""
    files = {}
    for photo in photos:
        data = svc.vault.get(photo.stored_name)
        if hashlib.sha256(data).hexdigest() != photo.stored_sha256:
            raise InvalidInput(f"photo {photo.id} does not match its recorded hash: it was altered after it was "
                               "stored; nothing was exported", rule="photo_integrity")
        files[photo.id] = data
    return files


def fhir_resources(svc: Services, record_: PatientRecord, *, version: str = "R5",
                   include_pixels: bool = False) -> list[Resource]:
    """The record as checked FHIR resources of ``version``."""
    if version not in FHIR_VERSIONS:
        raise InvalidInput(f"FHIR version {version} is not offered; choose R5 or R4B", rule="fhir_version")
    from threadlift.interop.fhir.check import validate

    files = photo_files(svc, record_.photos)
    resources = patient_resources(record_, clinic_info(svc), include_pixels=include_pixels, photo_bytes=files,
                                  photo_sha1={k: hashlib.sha1(v).hexdigest() for k, v in files.items()},
                                  measurement_areas=MEASUREMENT_AREAS)
    if version == "R4B":
        from threadlift.interop.fhir.r4b import to_r4b

        resources = to_r4b(resources)
    validate(resources, version)
    return resources


def fhir_bundle(svc: Services, actor: User | None, patient_id: UUID, *, version: str = "R5",
                include_pixels: bool = False) -> dict[str, Any]:
    """One patient's record as a FHIR Bundle (type collection). ``actor`` None: the operator's command line."""
    if actor is not None:
        require(actor, Permission.RECORD_EXPORT)
    with svc.uow(read_only=True) as uow:
        whole = load_record(uow, patient_id)
    exported = whole.without_withdrawn_photos()
    resources = fhir_resources(svc, exported, version=version, include_pixels=include_pixels)
    document = bundle(resources, clinic_info(svc), bundle_id=bundle_id(exported),
                      timestamp=svc.clock().isoformat())
    with svc.uow(logs_reads=True) as uow:
        record(uow, svc, actor, "export", "patient", patient_id, format=f"fhir-{version.lower()}-bundle",
               resources=len(resources), photos_left_out=len(whole.photos) - len(exported.photos),
               pixels=include_pixels)
        uow.commit()
    return document


@dataclass(frozen=True)
class BulkExport:
    patients: int
    files: dict[str, int]  # resource type -> lines written


def fhir_bulk(svc: Services, actor: User | None, out_dir: Path, *, version: str = "R5",
              progress: Callable[[int, int], None] = lambda done, total: None) -> BulkExport:
    """The whole clinic as NDJSON, one ``<Type>.ndjson`` per resource type (FHIR Bulk Data layout).

    Shared resources (staff, the clinic, thread lots, the software, the questionnaire) are written once.
    """
    if actor is not None:
        require(actor, Permission.RECORD_EXPORT)
    with svc.uow(read_only=True) as uow:
        patient_ids = uow.patients.ids()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: set[tuple[str, str]] = set()
    counts: dict[str, int] = {}
    handles: dict[str, Any] = {}
    try:
        for done, resources in enumerate(_each_patient(svc, patient_ids, version), start=1):
            for resource in resources:
                key = (resource["resourceType"], resource["id"])
                if key in written:
                    continue
                written.add(key)
                kind = key[0]
                if kind not in handles:
                    handles[kind] = (out_dir / f"{kind}.ndjson").open("w", encoding="utf-8")
                handles[kind].write(json.dumps(resource, separators=(",", ":"), ensure_ascii=False) + "\n")
                counts[kind] = counts.get(kind, 0) + 1
            progress(done, len(patient_ids))
    finally:
        for handle in handles.values():
            handle.close()
    with svc.uow(logs_reads=True) as uow:
        record(uow, svc, actor, "export", "clinic", None, format=f"fhir-{version.lower()}-ndjson",
               patients=len(patient_ids), resources=sum(counts.values()))
        uow.commit()
    return BulkExport(len(patient_ids), dict(sorted(counts.items())))


def _each_patient(svc: Services, patient_ids: list[str], version: str) -> Iterator[list[Resource]]:
    for patient_id in patient_ids:
        with svc.uow(read_only=True) as uow:
            whole = load_record(uow, patient_id)
        yield fhir_resources(svc, whole.without_withdrawn_photos(), version=version)
