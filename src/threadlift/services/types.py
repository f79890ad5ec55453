"""The public types of the use cases: what their commands carry and what their results show.

The web pages, the JSON API and the command line import these from here, never from the domain,
the store or the photo engine themselves (an import-linter contract holds them to it), so the one
surface they depend on is the use cases'.
"""

from __future__ import annotations

from threadlift.clinic.adverse import AdverseEvent, AdverseEventReport, EventProgress, EventType, Intervention
from threadlift.clinic.adverse import Outcome as EventOutcome
from threadlift.clinic.anaesthetic import Agent, DoseStatus, InjectionEntry, allowance_text
from threadlift.clinic.appointments import AppointmentStatus, Booking, Cancelling, Rescheduling
from threadlift.clinic.consent import (
    ConsentDocument,
    ConsentSignature,
    PhotoConsent,
    PhotoConsentGrant,
    PhotoConsentWithdrawal,
    PhotoScope,
    SignedConsent,
)
from threadlift.clinic.consultation import (
    AllergyKind,
    Consultation,
    ConsultationEntry,
    DiabetesControl,
    MedicineClass,
    RecentTreatmentKind,
    Risk,
    TreatmentArea,
)
from threadlift.clinic.corrections import (
    FIELD_NAMES,
    AmendedField,
    Amendment,
    AmendmentEntry,
    Correction,
    EnteredInError,
    EntryKind,
    ErrorEntry,
)
from threadlift.clinic.discharge import AFTERCARE_SHEETS, AftercareSheet, Criterion, DischargeDecision, ObservationEntry
from threadlift.clinic.episode import Cancellation, Closure, Episode, Plan, State
from threadlift.clinic.errors import (
    Conflict,
    DomainError,
    DoseExceeded,
    ExpiredLot,
    InvalidInput,
    NotFound,
    PlanMismatch,
)
from threadlift.clinic.followup import FollowUp, FollowUpOutcome, FollowUpStatus
from threadlift.clinic.passwords import WeakPassword
from threadlift.clinic.patient import Patient, PatientChanges, PatientDetails, Sex
from threadlift.clinic.photos import PhotoStage
from threadlift.clinic.procedure import (
    ChecklistItem,
    ChecklistTick,
    EventKind,
    ProcedureEventEntry,
    ProcedureRecord,
    Side,
    ThreadPlacement,
    ThreadUse,
)
from threadlift.clinic.ratings import GAIS, AssessmentEntry, EffectReport, GaisRating, Rater, RatingScale
from threadlift.clinic.registers import ComplicationsRegister, FollowUpDue, LotStock, Recipient, RegisterFilter
from threadlift.clinic.roles import PERMISSIONS, REASONS, Permission, Role, allowed
from threadlift.clinic.staff import StaffAccount, User
from threadlift.clinic.suitability import Override, OverrideEntry, SuitabilityResult
from threadlift.clinic.threads import Design, Material, ThreadLot, ThreadLotEntry
from threadlift.face.errors import PhotoError
from threadlift.plan.edit import AddThread, CheckedPlan, MovePoint, PlanEdit, RemoveThread, SetThread
from threadlift.plan.model import Plan as PlanDocument
from threadlift.plan.model import Side as PlanSide
from threadlift.plan.model import ZoneFlag
from threadlift.plan.validate import PlanInvalid
from threadlift.services.base import PermissionDenied
from threadlift.store.audit import AuditEntry, AuditProblem

__all__ = [
    "AFTERCARE_SHEETS",
    "FIELD_NAMES",
    "GAIS",
    "PERMISSIONS",
    "REASONS",
    "AddThread",
    "AdverseEvent",
    "AdverseEventReport",
    "AftercareSheet",
    "Agent",
    "AllergyKind",
    "AmendedField",
    "Amendment",
    "AmendmentEntry",
    "AppointmentStatus",
    "AssessmentEntry",
    "AuditEntry",
    "AuditProblem",
    "Booking",
    "Cancellation",
    "Cancelling",
    "CheckedPlan",
    "ChecklistItem",
    "ChecklistTick",
    "Closure",
    "ComplicationsRegister",
    "Conflict",
    "ConsentDocument",
    "ConsentSignature",
    "Consultation",
    "ConsultationEntry",
    "Correction",
    "Criterion",
    "Design",
    "DiabetesControl",
    "DischargeDecision",
    "DomainError",
    "DoseExceeded",
    "DoseStatus",
    "EffectReport",
    "EnteredInError",
    "EntryKind",
    "Episode",
    "ErrorEntry",
    "EventKind",
    "EventOutcome",
    "EventProgress",
    "EventType",
    "ExpiredLot",
    "FollowUp",
    "FollowUpDue",
    "FollowUpOutcome",
    "FollowUpStatus",
    "GaisRating",
    "InjectionEntry",
    "Intervention",
    "InvalidInput",
    "LotStock",
    "Material",
    "MedicineClass",
    "MovePoint",
    "NotFound",
    "ObservationEntry",
    "Override",
    "OverrideEntry",
    "Patient",
    "PatientChanges",
    "PatientDetails",
    "Permission",
    "PermissionDenied",
    "PhotoConsent",
    "PhotoConsentGrant",
    "PhotoConsentWithdrawal",
    "PhotoError",
    "PhotoScope",
    "PhotoStage",
    "Plan",
    "PlanDocument",
    "PlanEdit",
    "PlanInvalid",
    "PlanMismatch",
    "PlanSide",
    "ProcedureEventEntry",
    "ProcedureRecord",
    "Rater",
    "RatingScale",
    "RecentTreatmentKind",
    "Recipient",
    "RegisterFilter",
    "RemoveThread",
    "Rescheduling",
    "Risk",
    "Role",
    "SetThread",
    "Sex",
    "Side",
    "SignedConsent",
    "StaffAccount",
    "State",
    "SuitabilityResult",
    "ThreadLot",
    "ThreadLotEntry",
    "ThreadPlacement",
    "ThreadUse",
    "TreatmentArea",
    "User",
    "WeakPassword",
    "ZoneFlag",
    "allowance_text",
    "allowed",
]
