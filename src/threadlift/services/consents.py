"""Consent: the documents patients sign, the signature on the procedure consent (drawn, then locked),
and consent to clinical photography (given with scopes, withdrawn beside it, never deleted)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from uuid import UUID

from PIL import Image

from threadlift.clinic.consent import ConsentDocument, PhotoConsent, SignedConsent
from threadlift.clinic.episode import Episode
from threadlift.clinic.errors import InvalidInput, NotFound
from threadlift.clinic.roles import Permission
from threadlift.clinic.staff import User
from threadlift.services.base import PermissionDenied, Services, record, require
from threadlift.services.commands import (
    AddConsentDocument,
    GivePhotoConsent,
    MarkPhotoConsentInError,
    SignConsent,
    WithdrawPhotoConsent,
)
from threadlift.services.episodes import change_episode, clinical_episode
from threadlift.services.portal import PortalPatient
from threadlift.services.portal import log as portal_log
from threadlift.services.ports import UnitOfWork

# A signature is more than a blank box: at least this many dark pixels once the image is at most
# 300 px across (a short stroke of a pen is a few hundred).
MIN_INK_PIXELS = 20


def consent_documents(svc: Services, actor: User) -> list[ConsentDocument]:
    require(actor, Permission.MEDICAL_READ)
    with svc.uow(read_only=True) as uow:
        return uow.consents.documents()


def add_consent_document(svc: Services, actor: User | None, command: AddConsentDocument) -> ConsentDocument:
    """``actor`` None is the operator's setup (the command line, the demo clinic)."""
    if actor is not None and actor.role.value not in ("admin", "clinician"):
        raise PermissionDenied("only an administrator or a clinician may publish a consent document")
    document = command.document
    with svc.uow() as uow:
        uow.consents.add_document(document)
        record(uow, svc, actor, "create", "consent_document", f"{document.procedure_type}/{document.version}")
        uow.commit()
    return document


def sign_consent(svc: Services, actor: User, command: SignConsent) -> SignedConsent:
    signature = command.signature
    if not has_ink(base64.b64decode(signature.signature_png_base64)):
        raise InvalidInput("the signature box is empty: the patient draws their signature (or the typed name is "
                           "used as the signature)", rule="signature")

    def change(uow: UnitOfWork, episode: Episode) -> SignedConsent:
        document = uow.consents.document(signature.procedure_type, signature.document_version)
        return episode.sign_consent(document, typed_name=signature.typed_name,
                                    signature_png_base64=signature.signature_png_base64, signed_at=svc.clock(),
                                    client_address=command.client_address, taken_by=actor.id,
                                    patient=uow.patients.get(episode.patient_id),
                                    representative_relationship=signature.representative_relationship)

    return change_episode(svc, actor, command.episode_id, Permission.CONSENT_TAKE, "consent", change,
                          document_version=signature.document_version)


def has_ink(png: bytes) -> bool:
    """Whether a signature image has dark strokes on it."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            grey = image.convert("L")
            grey.thumbnail((300, 300))
            return sum(grey.histogram()[:128]) >= MIN_INK_PIXELS
    except (OSError, ValueError):
        return False


def give_photo_consent(svc: Services, actor: User, command: GivePhotoConsent) -> PhotoConsent:
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    consent = PhotoConsent(scopes=command.grant.scopes, given_at=svc.clock(), recorded_by=actor.id)
    with svc.uow() as uow:
        uow.patients.get(command.patient_id)
        uow.consents.add_photo_consent(command.patient_id, consent)
        record(uow, svc, actor, "create", "photo_consent", consent.id, scopes=sorted(command.grant.scopes))
        uow.commit()
    return consent


def withdraw_photo_consent(svc: Services, actor: User, command: WithdrawPhotoConsent) -> PhotoConsent:
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    return _withdraw(svc, command, by=actor.id,
                     audit=lambda uow: record(uow, svc, actor, "withdraw", "photo_consent", command.consent_id))


def withdraw_photo_consent_by_patient(svc: Services, who: PortalPatient, command: WithdrawPhotoConsent) -> PhotoConsent:
    """The patient withdraws from the portal: the same withdrawal as staff record, effective everywhere at once."""
    if command.patient_id is None or str(command.patient_id) != who.patient_id:
        raise NotFound(f"no photo consent {command.consent_id} for this patient")
    return _withdraw(svc, command, by=f"patient:{who.patient_id}",
                     audit=lambda uow: portal_log(uow, svc, who, "withdraw", "photo_consent", command.consent_id))


def _withdraw(svc: Services, command: WithdrawPhotoConsent, *, by: str,
              audit: Callable[[UnitOfWork], None]) -> PhotoConsent:
    with svc.uow() as uow:
        patient_id, consent = uow.consents.photo_consent(command.consent_id)
        if command.patient_id is not None and patient_id != str(command.patient_id):
            raise NotFound(f"no photo consent {command.consent_id} for this patient")
        withdrawn = consent.withdraw(at=svc.clock(), by=by, reason=command.withdrawal.reason or None)
        uow.consents.save_photo_consent(withdrawn)
        audit(uow)
        uow.commit()
        return withdrawn


def mark_photo_consent_in_error(svc: Services, actor: User, command: MarkPhotoConsentInError) -> PhotoConsent:
    """A photo consent recorded in error: kept on file, marked with the reason; it no longer counts (photos cannot
    be taken on it, nor leave the clinic), audited."""
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    with svc.uow() as uow:
        patient_id, consent = uow.consents.photo_consent(command.consent_id)
        if command.patient_id is not None and patient_id != str(command.patient_id):
            raise NotFound(f"no photo consent {command.consent_id} for this patient")
        marked = consent.mark_entered_in_error(at=svc.clock(), by=actor.id, reason=command.correction.reason)
        uow.consents.save_photo_consent(marked)
        record(uow, svc, actor, "entered_in_error", "photo_consent", command.consent_id)
        uow.commit()
        return marked


def photo_consents(svc: Services, actor: User, patient_id: UUID) -> list[PhotoConsent]:
    with svc.uow(logs_reads=True) as uow:
        found = read_photo_consents(uow, svc, actor, patient_id)
        uow.commit()
        return found


def read_photo_consents(uow: UnitOfWork, svc: Services, actor: User, patient_id: UUID) -> list[PhotoConsent]:
    """The patient's photo consents, read in the caller's unit of work (which commits the audit row)."""
    require(actor, Permission.DEMOGRAPHICS_READ)
    found = uow.consents.photo_consents(patient_id)
    record(uow, svc, actor, "read", "photo_consent", None, patient=str(patient_id), count=len(found))
    return found



def consent_of(svc: Services, actor: User, episode_id: UUID) -> tuple[SignedConsent | None, bool | None]:
    """The episode's signed consent and whether it still matches what was signed."""
    consent = clinical_episode(svc, actor, episode_id, "consent").consent
    return consent, None if consent is None else consent.verify()
