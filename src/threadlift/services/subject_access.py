"""Subject access: everything the clinic holds on a patient, in one archive for the patient (GDPR
Art. 15 and 20; [records-standards d2]: the FHIR Bundle, every document, the photos as they gave them).

Unlike every other export, photos whose consent was withdrawn are included: they are the patient's
own. Photos are the stored files, decrypted (location already removed when they were stored).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from uuid import UUID
from zoneinfo import ZoneInfo

from threadlift.clinic.errors import DomainError
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.face.errors import PhotoError
from threadlift.interop.fhir import bundle, bundle_id
from threadlift.services import documents
from threadlift.services.base import Services, record, require
from threadlift.services.exports import clinic_info, fhir_resources, load_record, photo_files

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


def archive(svc: Services, actor: User | None, patient_id: UUID) -> tuple[bytes, str]:
    """(ZIP bytes, file name). ``actor`` None: the operator's command line."""
    if actor is not None:
        require(actor, Permission.SUBJECT_ACCESS)
    with svc.uow(read_only=True) as uow:
        whole = load_record(uow, patient_id)
    zone = ZoneInfo(svc.settings.timezone)
    made_at = svc.clock()
    contents: list[tuple[str, str, bytes]] = []  # (path, what it is, bytes)
    resources = fhir_resources(svc, whole)
    fhir = bundle(resources, clinic_info(svc), bundle_id=bundle_id(whole), timestamp=made_at.isoformat())
    contents.append(("record.fhir.json", f"your whole record as a FHIR R5 Bundle ({len(resources)} resources)",
                     json.dumps(fhir, indent=1, ensure_ascii=False).encode()))
    for episode in whole.episodes:
        opened = svc.date_of(episode.opened_at).isoformat()
        for kind in documents.available(episode, whole):
            try:
                pdf = documents.make(svc, None, whole, episode, kind)
            except (DomainError, PhotoError):
                continue  # a document this episode cannot have (an outcome report whose photos cannot be measured)
            contents.append((f"documents/{opened}-{kind}.pdf", DESCRIPTIONS[kind], pdf))
    files = photo_files(svc, whole.photos)
    for photo in whole.photos:
        taken = photo.uploaded_at.astimezone(zone).strftime("%Y-%m-%d-%H%M")
        extension = EXTENSIONS.get(photo.content_type, "bin")
        name = f"photos/{taken}-{photo.stage}-{photo.view}-{str(photo.id)[:8]}.{extension}"
        withdrawn = "" if whole.photo_may_leave(photo) else " (your consent to its use was withdrawn; the clinic " \
                                                            "shares it with no one)"
        contents.append((name, f"{photo.view} photo, {photo.stage.replace('_', ' ')}{withdrawn}", files[photo.id]))
    readme = _readme(svc, whole.patient.display_name, f"{svc.day_text(made_at)} {made_at.astimezone(zone):%H:%M %Z}",
                     contents)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("README.txt", readme)
        for path, _, data in contents:
            zipped.writestr(path, data)
    with svc.uow(logs_reads=True) as uow:
        record(uow, svc, actor, "subject_access", "patient", patient_id, files=len(contents) + 1,
               photos=len(whole.photos), bytes=buffer.tell())
        uow.commit()
    return buffer.getvalue(), f"subject-access-{svc.date_of(made_at).isoformat()}.zip"


DESCRIPTIONS = {"consent": "the consent you signed, with its text, your signature and its fingerprint (SHA-256)",
                "aftercare": "the aftercare sheet for your procedure",
                "outcome": "your outcome, measured from photos",
                "referral": "the letter referring you for a surgical opinion",
                "corrections": "corrections to your record: entries recorded in error and signed amendments, each "
                               "beside what was first recorded, with who made it, when and why"}


def _readme(svc: Services, name: str, when: str, contents: list[tuple[str, str, bytes]]) -> str:
    lines = [f"Your record at {svc.settings.clinic_name}", "", f"Made for {name} on {when}.", "",
             "What this archive holds (with each file's SHA-256, so you can check it is unchanged):", ""]
    for path, what, data in contents:
        lines += [f"{path}", f"    {what}", f"    sha256 {hashlib.sha256(data).hexdigest()}, {len(data)} bytes"]
    lines += ["", "record.fhir.json follows HL7 FHIR R5 (https://hl7.org/fhir/R5/), a format other clinics' "
              "systems read.", "Photos are the files as you gave them, with any location data removed when they "
              "were stored.", ""]
    return "\r\n".join(lines)
