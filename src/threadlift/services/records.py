"""Consent documents, photo-use consents, thread stock, registers and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from threadlift.clinic.consent import ConsentDocument, PhotoConsent
from threadlift.clinic.roles import Permission
from threadlift.clinic.threads import ThreadLot
from threadlift.services.base import PermissionDenied, Services, record, require
from threadlift.store import audit
from threadlift.store.tables import (
    AdverseEventLotRow,
    AdverseEventRow,
    AuditRow,
    PatientRow,
    ThreadLotRow,
    ThreadUseRow,
)
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


def record_operation(svc: Services, action: str, **detail: object) -> None:
    """An operator's command on the server (a backup, a restore) in the audit trail; counts only."""
    with svc.uow() as uow:
        record(uow, svc, None, action, "clinic", None, **detail)
        uow.commit()


def verify_audit(svc: Services, actor: User | None) -> audit.AuditProblem | None:
    """``actor`` None is the command line run by the server's operator."""
    if actor is not None:
        require(actor, Permission.AUDIT_READ)
    with svc.uow() as uow:
        return audit.verify(uow.session)


@dataclass(frozen=True)
class RegisterRow:
    event_id: str
    episode_id: str
    patient_id: str
    type: str
    area: str | None
    serious: bool
    onset_on: date
    severity: int
    clavien_dindo: str
    tier: str
    outcome: str
    lots: tuple[str, ...]
    products: tuple[str, ...]


@dataclass(frozen=True)
class ComplicationsRegister:
    rows: list[RegisterRow]
    procedures: int  # procedures in the same scope (all, with the product or lot, or in the area)
    rates_per_100: dict[str, float]  # per event type, events per 100 procedures in scope

    @property
    def total_per_100(self) -> float:
        return 100.0 * len({r.episode_id for r in self.rows}) / self.procedures if self.procedures else 0.0


def complications_register(svc: Services, actor: User, *, event_type: str | None = None, product: str | None = None,
                           lot: str | None = None, area: str | None = None) -> ComplicationsRegister:
    """Adverse events filtered by type, thread product or lot, and area, with rates per 100 procedures.

    The denominator is the procedures in the same scope: those that used the product or lot, or placed
    threads in the area ([DESIGN] AE-05: rates comparable with the pooled figures of §5.1).
    """
    require(actor, Permission.REGISTER_READ)
    with svc.uow(logs_reads=True) as uow:
        lots_by_event: dict[str, list[tuple[str, str]]] = {}
        for event_id, lot_number, product_name in uow.session.execute(
                select(AdverseEventLotRow.event_id, ThreadLotRow.lot, ThreadLotRow.product)
                .join(ThreadLotRow, ThreadLotRow.id == AdverseEventLotRow.lot_id)):
            lots_by_event.setdefault(event_id, []).append((lot_number, product_name))
        query = select(AdverseEventRow).order_by(AdverseEventRow.onset_on.desc())
        if event_type:
            query = query.where(AdverseEventRow.type == event_type)
        if area:
            query = query.where(AdverseEventRow.area == area)
        rows = []
        for r in uow.session.execute(query).scalars():
            linked = lots_by_event.get(r.id, [])
            if lot and lot not in {n for n, _ in linked}:
                continue
            if product and product not in {p for _, p in linked}:
                continue
            rows.append(RegisterRow(r.id, r.episode_id, r.patient_id, r.type, r.area, r.serious, r.onset_on,
                                    r.severity, r.clavien_dindo, r.tier, r.outcome,
                                    tuple(sorted({n for n, _ in linked})), tuple(sorted({p for _, p in linked}))))
        scope = select(func.count(func.distinct(ThreadUseRow.episode_id))).join(
            ThreadLotRow, ThreadLotRow.id == ThreadUseRow.lot_id)
        if lot:
            scope = scope.where(ThreadLotRow.lot == lot)
        if product:
            scope = scope.where(ThreadLotRow.product == product)
        if area:
            scope = scope.where(ThreadUseRow.area == area)
        procedures = int(uow.session.execute(scope).scalar_one())
        record(uow, svc, actor, "read", "adverse_event", None, count=len(rows), register=True)
        uow.commit()
    counts: dict[str, set[str]] = {}
    for row in rows:
        counts.setdefault(row.type, set()).add(row.episode_id)
    rates = {kind: 100.0 * len(eps) / procedures for kind, eps in sorted(counts.items())} if procedures else {}
    return ComplicationsRegister(rows, procedures, rates)


def products(svc: Services, actor: User) -> list[str]:
    require(actor, Permission.LOTS_READ)
    with svc.uow(read_only=True) as uow:
        return sorted(set(uow.session.execute(select(ThreadLotRow.product)).scalars()))


def recent_audit(svc: Services, actor: User, count: int = 50) -> list[dict[str, Any]]:
    """The newest ``count`` audit rows, newest first."""
    require(actor, Permission.AUDIT_READ)
    with svc.uow() as uow:
        rows = uow.session.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(count)).scalars().all()
        return [{"id": r.id, "at": r.at, "user_id": r.user_id, "action": r.action, "entity_type": r.entity_type,
                 "entity_id": r.entity_id, "detail": r.detail} for r in rows]
