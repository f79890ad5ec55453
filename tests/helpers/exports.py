"""Patients' records at every stage of the pathway, and stored photos with analyses, for export tests.

Episodes are carried through the real domain (``threadlift.seed``), so every rule holds. A photo's
analysis follows ``analysis.schema.json``: a frontal photo square to the camera, with sided and
single measurements in mm, deg and ratio.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from threadlift import seed
from threadlift.clinic.adverse import AdverseEvent, EventType, Intervention, Outcome
from threadlift.clinic.consent import PhotoConsent, PhotoScope
from threadlift.clinic.episode import Episode, State
from threadlift.clinic.photos import PhotoRecord
from threadlift.clinic.policy import ClinicPolicy
from threadlift.clinic.record import PatientRecord, StaffMember
from threadlift.clinic.threads import ThreadLot
from threadlift.interop.fhir import ClinicInfo

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CLINICIAN, NURSE = "c0ffee00-0000-4000-8000-000000000001", "c0ffee00-0000-4000-8000-000000000002"
STAFF = {CLINICIAN: StaffMember(CLINICIAN, "Dr Alice Hale", "clinician"),
         NURSE: StaffMember(NURSE, "Nurse Maria Silva", "nurse")}
CLINIC = ClinicInfo(name="Riverside Aesthetics", jurisdiction="UK", timezone="Europe/London", software_version="0.1.0")
STAGES = [s for s in State if s is not State.CANCELLED]


def lots(rng: random.Random) -> list[ThreadLot]:
    return [seed.thread_lot(rng, NOW.date() - timedelta(days=days), n) for n, days in enumerate((700, 420, 300))]


def episode(stage: State, *, seed_value: int = 11) -> tuple[Episode, list[ThreadLot], Any]:
    rng = random.Random(seed_value)
    stock = lots(rng)
    person = seed.patient(rng, NOW.date())
    ep = seed.episode_at(stage, rng, person, stock, clinician=CLINICIAN, nurse=NURSE, start=NOW - timedelta(days=420),
                         policy=ClinicPolicy())
    return ep, stock, person


def analysis(*, brow_left_mm: float = 21.0, pitch_deg: float = 0.5) -> dict[str, Any]:
    return {
        "schema_version": "1.0",
        "image": {"path": None, "width": 1200, "height": 1600, "sha256": "0" * 64, "format": "JPEG",
                  "captured_at": None},
        "pose": {"yaw_deg": 0.4, "pitch_deg": pitch_deg, "roll_deg": -0.3}, "view": "frontal",
        "calibration": {"mm_per_px": 0.0912, "method": "iris", "uncertainty_mm_per_px": 0.002,
                        "absolute_uncertainty_mm_per_px": 0.004, "detail": "both irises"},
        "quality": {"ok": True, "issues": [], "figures": {}},
        "measurements": {
            "brow_height_mid_pupil_mm": {"unit": "mm", "left": brow_left_mm, "right": 20.4, "difference": 0.6},
            "lateral_canthal_tilt_deg": {"unit": "deg", "left": 5.1, "right": 4.8, "difference": 0.3},
            "malar_below_ipl_mm": {"unit": "mm", "left": None, "right": None, "difference": None,
                                   "withheld": "head yaw beyond 2°"},
            "lower_face_width_mm": {"unit": "mm", "value": 98.2},
            "middle_to_lower_third_ratio": {"unit": "ratio", "value": 0.8731}},
        "symmetry": {"unit": "mm", "overall": 1.2},
        "severity": {"brow": {"grade": 1, "rule": "brow height", "source": "[FM]", "estimate": True},
                     "neck": {"grade": None, "rule": "profile", "source": "[FM]", "estimate": True,
                              "withheld": "needs a profile photo"}},
        "warnings": []}


def photo(episode_id: Any, stage: str, at: datetime, patient_id: Any = None, **changes: Any) -> PhotoRecord:
    return PhotoRecord(id=uuid4(), patient_id=patient_id or uuid4(), episode_id=episode_id, view="frontal",
                       stage=stage, stored_name="f" * 48, original_sha256="a" * 64, stored_sha256="b" * 64,
                       content_type="image/jpeg", size_bytes=123456, location_removed=True, uploaded_at=at,
                       uploaded_by=CLINICIAN, quality_ok=True, analysis=analysis(**changes))


def record_at(stage: State, *, with_photos: bool = True, withdrawn: bool = False,
              adverse_event: bool = True) -> PatientRecord:
    """A patient whose one episode stands at ``stage``: photos (baseline; a follow-up from discharge on),
    a consent to clinical photography (withdrawn on request) and, after the procedure, an adverse event."""
    ep, stock, person = episode(stage)
    if adverse_event and ep.procedure is not None and stage not in (State.CLOSED,):
        used = ep.procedure.threads[0]
        ep.add_adverse_event(AdverseEvent(
            type=EventType.INFECTION, area=used.area, side=used.side.value, onset_on=ep.procedure.started_at.date()
            + timedelta(days=9), severity=2, serious=True, intervention=Intervention.PROCEDURE_LOCAL,
            outcome=Outcome.RECOVERING, treatment="thread removed, oral antibiotics", lot_ids=[used.lot_id],
            pus_present=True, recorded_by=CLINICIAN))
    photos: tuple[PhotoRecord, ...] = ()
    consents: tuple[PhotoConsent, ...] = ()
    if with_photos:
        given = ep.opened_at
        consent = PhotoConsent(scopes=frozenset({PhotoScope.CLINICAL_RECORD}), given_at=given, recorded_by=NURSE)
        if withdrawn:
            consent = consent.withdraw(at=given + timedelta(days=200), by=NURSE, reason="patient's request")
        consents = (consent,)
        photos = (photo(ep.id, "baseline", given + timedelta(minutes=20)),)
        if stage in (State.DISCHARGED, State.FOLLOW_UP, State.CLOSED):
            photos += (photo(ep.id, "follow_up", given + timedelta(days=45), brow_left_mm=22.6),)
    return PatientRecord(person, (ep,), photos, consents, {("thread_lift", "2026.1"): seed.CONSENT_DOCUMENT},
                         {lot.id: lot for lot in stock}, STAFF)


def jpeg(seed_value: int = 1) -> bytes:
    """A small real JPEG (the vault stores bytes; exports hash and decrypt them, no analysis runs)."""
    import io

    from PIL import Image

    image = Image.new("RGB", (64, 48), (120 + seed_value % 100, 90, 80))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def store_patient(svc: Any, stage: State, *, with_photos: bool = True, withdrawn: bool = False,
                  seed_value: int = 11, photo_files: tuple[bytes, bytes] | None = None) -> Any:
    """A patient whose episode stands at ``stage``, written through the repositories as the clinic would
    (staff are the database's users; photos go through the vault). Returns the patient's id."""
    import hashlib

    from threadlift.clinic.consent import PhotoConsentGrant, PhotoConsentWithdrawal
    from threadlift.clinic.photos import PhotoRecord as StoredPhoto
    from threadlift.services import consents as consent_cases
    from threadlift.services.commands import GivePhotoConsent, WithdrawPhotoConsent

    with svc.uow(read_only=True) as uow:
        clinician = uow.users.by_username("dr-hale")
        nurse = uow.users.by_username("nurse-ade")
    rng = random.Random(seed_value)
    stock = [lot.model_copy(update={"lot": f"{lot.lot}-{seed_value}"}) for lot in lots(rng)]
    person = seed.patient(rng, NOW.date())
    ep = seed.episode_at(stage, rng, person, stock, clinician=clinician.id, nurse=nurse.id,
                         start=NOW - timedelta(days=420), policy=ClinicPolicy())
    if ep.procedure is not None and ep.state is not State.CLOSED:
        used = ep.procedure.threads[0]
        ep.add_adverse_event(AdverseEvent(type=EventType.DIMPLING, area=used.area, side=used.side.value,
                                          onset_on=ep.procedure.started_at.date(), severity=1,
                                          lot_ids=[used.lot_id], recorded_by=clinician.id))
    with svc.uow() as uow:
        for lot in stock:
            uow.lots.add(lot)
        uow.patients.add(person)
        uow.episodes.add(ep)
        uow.commit()
    if with_photos:
        at = ep.opened_at
        consent = consent_cases.give_photo_consent(replace(svc, clock=lambda: at), nurse, GivePhotoConsent(
            person.id, PhotoConsentGrant(scopes=frozenset({PhotoScope.CLINICAL_RECORD}))))
        stages = ["baseline"] + (["follow_up"] if ep.discharge is not None else [])
        for i, stage_name in enumerate(stages):
            data = photo_files[i] if photo_files else jpeg(i)
            taken = at + timedelta(minutes=20) if i == 0 else at + timedelta(days=45)
            with svc.uow() as uow:
                uow.photos.add(StoredPhoto(
                    patient_id=person.id, episode_id=ep.id, view="frontal", stage=stage_name,
                    stored_name=svc.vault.put(data), original_sha256=hashlib.sha256(data).hexdigest(),
                    stored_sha256=hashlib.sha256(data).hexdigest(),
                    content_type="image/png" if data.startswith(b"\x89PNG") else "image/jpeg", size_bytes=len(data),
                    location_removed=False, uploaded_at=taken, uploaded_by=clinician.id, quality_ok=True,
                    analysis=analysis(brow_left_mm=21.0 + i)))
                uow.commit()
        if withdrawn:
            consent_cases.withdraw_photo_consent(replace(svc, clock=lambda: at + timedelta(days=100)), nurse,
                                                 WithdrawPhotoConsent(consent.id, PhotoConsentWithdrawal(
                                                     reason="no longer wishes photos to be kept for use")))
    return person.id
