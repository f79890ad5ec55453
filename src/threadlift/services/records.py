"""Consent documents, photo-use consents, thread stock, registers and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import select

from threadlift.clinic.consent import ConsentDocument, PhotoConsent
from threadlift.clinic.roles import Permission
from threadlift.clinic.threads import ThreadLot
from threadlift.services.base import PermissionDenied, Services, record, require
from threadlift.store import audit
from threadlift.store.tables import AdverseEventRow, AuditRow, PatientRow
from threadlift.store.users import User


def consent_documents(svc: Services, actor: User) -> list[ConsentDocument]:
    require(actor, Permission.MEDICAL_READ)
    with svc.uow() as uow:
        return uow.consents.documents()


def add_consent_document(svc: Services, actor: User | None, document: ConsentDocument) -> ConsentDocument:
    if actor is not None and actor.role.value not in ("admin", "clinician"):
        raise PermissionDenied("only an administrator or a clinician may publish a consent document")
    with svc.uow() as uow:
        uow.consents.add_document(document)
        record(uow, svc, actor, "create", "consent_document", f"{document.procedure_type}/{document.version}")
        uow.commit()
    return document


def give_photo_consent(svc: Services, actor: User, patient_id: UUID, scopes: list[str]) -> PhotoConsent:
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    consent = PhotoConsent.model_validate({"scopes": scopes, "given_at": svc.clock(), "recorded_by": actor.id})
    with svc.uow() as uow:
        uow.patients.get(patient_id)
        uow.consents.add_photo_consent(patient_id, consent)
        record(uow, svc, actor, "create", "photo_consent", consent.id, scopes=sorted(scopes))
        uow.commit()
    return consent


def withdraw_photo_consent(svc: Services, actor: User, consent_id: UUID, reason: str | None) -> PhotoConsent:
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    with svc.uow() as uow:
        _, consent = uow.consents.photo_consent(consent_id)
        withdrawn = consent.withdraw(at=svc.clock(), by=actor.id, reason=reason)
        uow.consents.save_photo_consent(withdrawn)
        record(uow, svc, actor, "withdraw", "photo_consent", consent_id)
        uow.commit()
        return withdrawn


def photo_consents(svc: Services, actor: User, patient_id: UUID) -> list[PhotoConsent]:
    require(actor, Permission.DEMOGRAPHICS_READ)
    with svc.uow() as uow:
        return uow.consents.photo_consents(patient_id)


def receive_lot(svc: Services, actor: User, fields: dict[str, Any]) -> ThreadLot:
    require(actor, Permission.LOTS_WRITE)
    lot = ThreadLot.model_validate(fields)
    with svc.uow() as uow:
        uow.lots.add(lot)
        record(uow, svc, actor, "create", "thread_lot", lot.id, quantity=lot.quantity_received)
        uow.commit()
    return lot


@dataclass(frozen=True)
class LotStock:
    lot: ThreadLot
    used: int

    @property
    def available(self) -> int:
        return self.lot.quantity_received - self.used


def lots(svc: Services, actor: User) -> list[LotStock]:
    require(actor, Permission.LOTS_READ)
    with svc.uow() as uow:
        return [LotStock(lot, used) for lot, used in uow.lots.all()]


@dataclass(frozen=True)
class Recipient:
    patient_id: UUID
    patient_name: str
    date_of_birth: date
    episode_id: UUID
    area: str
    side: str
    vector: str
    placed_at: str


def recall(svc: Services, actor: User, lot_number: str) -> list[Recipient]:
    """Everyone who received a thread from lot ``lot_number``, with where it was placed."""
    require(actor, Permission.REGISTER_READ)
    with svc.uow(logs_reads=True) as uow:
        uses = uow.lots.recipients(lot_number)
        patients = {r.id: r for r in uow.session.execute(
            select(PatientRow).where(PatientRow.id.in_({u.patient_id for u in uses}))).scalars()}
        record(uow, svc, actor, "recall", "thread_lot", lot_number, patients=len(patients))
        uow.commit()
        recipients = []
        for use in uses:
            person = patients[use.patient_id]
            recipients.append(Recipient(UUID(use.patient_id), f"{person.given_name} {person.family_name}",
                                        person.date_of_birth, UUID(use.episode_id), use.area, use.side, use.vector,
                                        use.placed_at.isoformat()))
        return recipients


def adverse_events(svc: Services, actor: User, *, serious_only: bool = False,
                   event_type: str | None = None) -> list[dict[str, Any]]:
    require(actor, Permission.REGISTER_READ)
    with svc.uow(logs_reads=True) as uow:
        query = select(AdverseEventRow).order_by(AdverseEventRow.onset_on.desc())
        if serious_only:
            query = query.where(AdverseEventRow.serious.is_(True))
        if event_type:
            query = query.where(AdverseEventRow.type == event_type)
        rows = uow.session.execute(query).scalars().all()
        record(uow, svc, actor, "read", "adverse_event", None, count=len(rows))
        uow.commit()
        return [{"id": r.id, "episode_id": r.episode_id, "patient_id": r.patient_id, "type": r.type, "area": r.area,
                 "serious": r.serious, "onset_on": r.onset_on.isoformat(), "severity": r.severity,
                 "clavien_dindo": r.clavien_dindo, "tier": r.tier, "outcome": r.outcome} for r in rows]


def audit_trail(svc: Services, actor: User, *, after_id: int = 0, limit: int = 200) -> list[dict[str, Any]]:
    require(actor, Permission.AUDIT_READ)
    with svc.uow() as uow:
        rows = uow.session.execute(select(AuditRow).where(AuditRow.id > after_id).order_by(AuditRow.id)
                                   .limit(limit)).scalars().all()
        return [{"id": r.id, "at": r.at.isoformat(), "user_id": r.user_id, "action": r.action,
                 "entity_type": r.entity_type, "entity_id": r.entity_id, "detail": r.detail, "hash": r.hash}
                for r in rows]


def verify_audit(svc: Services, actor: User | None) -> audit.AuditProblem | None:
    """``actor`` None is the command line run by the server's operator."""
    if actor is not None:
        require(actor, Permission.AUDIT_READ)
    with svc.uow() as uow:
        return audit.verify(uow.session)
