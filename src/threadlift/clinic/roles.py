"""Roles and what each may do: the one permission table (docs/permissions.md is generated from it)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    CLINICIAN = "clinician"
    NURSE = "nurse"
    RECEPTION = "reception"


class Permission(StrEnum):
    DEMOGRAPHICS_READ = "demographics:read"
    DEMOGRAPHICS_WRITE = "demographics:write"
    EPISODE_STATUS_READ = "episode_status:read"  # state and dates only, no clinical content
    MEDICAL_READ = "medical:read"
    MEDICAL_WRITE = "medical:write"
    MEASUREMENTS_WRITE = "measurements:write"  # weight and height, which set the anaesthetic maximum (PRO-04)
    SUITABILITY_DECIDE = "suitability:decide"
    OVERRIDE = "suitability:override"
    CONSENT_TAKE = "consent:take"
    PROCEDURE_PERFORM = "procedure:perform"  # start and end (sign) the procedure
    PROCEDURE_ASSIST = "procedure:assist"  # checklist, injections, threads, observations
    DISCHARGE = "discharge"
    PHOTO_READ = "photo:read"
    PHOTO_WRITE = "photo:write"
    FOLLOW_UP_SCHEDULE_READ = "follow_up_schedule:read"
    FOLLOW_UP_WRITE = "follow_up:write"
    APPOINTMENTS_BOOK = "appointments:book"  # book, reschedule, cancel a follow-up appointment; record a no-show
    DIARY_READ = "diary:read"  # the appointment diary: patient, time, clinician, room; no clinical content
    ADVERSE_WRITE = "adverse:write"
    REGISTER_READ = "register:read"  # complications register, lot recall
    OUTCOMES_READ = "outcomes:read"  # the clinic's outcome statistics, per thread, area and clinician (issue 18)
    LOTS_READ = "lots:read"
    LOTS_WRITE = "lots:write"
    AUDIT_READ = "audit:read"
    RECORD_EXPORT = "record:export"  # a patient's whole record as FHIR, or the clinic's in bulk (issue 16)
    SUBJECT_ACCESS = "record:subject_access"  # the archive answering a patient's access request
    USERS_MANAGE = "users:manage"


# Who documents, who decides, who administers (records-standards.md d4: OpenEMR maps its ACL to front
# desk, nurse, practitioner, medical director, admin, auditor [S60]; d1: access control per identified
# user [S82]). The practitioner decides: the GMC's cosmetic guidance has the performing doctor ask the
# reason and desired outcome, judge benefit, take consent and explain follow-up needs
# (thread-lift-clinical.md §3 line "GMC (UK) guidance", SEL-14, SEL-15 [GMC]); so the consultation and
# history, the suitability decision, the plan, cancelling or closing an episode and discharge (DIS-01's
# facial-nerve screen and LAST symptoms are clinical judgements) are the clinician's. The nurse documents
# what they see and do: photos, the procedure's checklist, doses given, threads placed, observations,
# follow-up visits and adverse events, stock. Reception registers and books, never reading the clinical
# record. The administrator runs accounts, the audit trail and data requests (records-standards.md d2),
# and sees no clinical register (names and dates of birth beside complications or lot recipients).
_DOCUMENTS = {
    Permission.DEMOGRAPHICS_READ, Permission.DEMOGRAPHICS_WRITE, Permission.EPISODE_STATUS_READ,
    Permission.MEDICAL_READ, Permission.MEASUREMENTS_WRITE, Permission.PHOTO_READ, Permission.PHOTO_WRITE,
    Permission.PROCEDURE_ASSIST, Permission.FOLLOW_UP_SCHEDULE_READ, Permission.FOLLOW_UP_WRITE,
    Permission.ADVERSE_WRITE, Permission.REGISTER_READ, Permission.LOTS_READ, Permission.LOTS_WRITE,
    Permission.APPOINTMENTS_BOOK, Permission.DIARY_READ,
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLINICIAN: frozenset(_DOCUMENTS | {Permission.MEDICAL_WRITE, Permission.SUITABILITY_DECIDE,
                                            Permission.OVERRIDE, Permission.CONSENT_TAKE,
                                            Permission.PROCEDURE_PERFORM, Permission.DISCHARGE,
                                            Permission.RECORD_EXPORT, Permission.OUTCOMES_READ}),
    Role.NURSE: frozenset(_DOCUMENTS),
    Role.RECEPTION: frozenset({Permission.DEMOGRAPHICS_READ, Permission.DEMOGRAPHICS_WRITE,
                               Permission.EPISODE_STATUS_READ, Permission.FOLLOW_UP_SCHEDULE_READ,
                               Permission.APPOINTMENTS_BOOK, Permission.DIARY_READ}),
    Role.ADMIN: frozenset({Permission.USERS_MANAGE, Permission.AUDIT_READ, Permission.DEMOGRAPHICS_READ,
                           Permission.EPISODE_STATUS_READ, Permission.LOTS_READ, Permission.RECORD_EXPORT,
                           Permission.SUBJECT_ACCESS, Permission.OUTCOMES_READ}),
}

# Why each permission goes to whom (docs/permissions.md is generated from this and PERMISSIONS).
REASONS: dict[Permission, str] = {
    Permission.DEMOGRAPHICS_READ: "finding the patient: everyone who books, treats or answers a data request",
    Permission.DEMOGRAPHICS_WRITE: "registering and booking (reception), and staff who see the patient",
    Permission.EPISODE_STATUS_READ: "states and dates, no clinical content: the day's list for every role",
    Permission.MEDICAL_READ: "the clinical record: the clinical team only (d1 access control [S82])",
    Permission.MEDICAL_WRITE: "history, examination, plan, cancel or close: the practitioner's assessment "
                              "(GMC: reason, desired outcome, benefit; SEL-14)",
    Permission.MEASUREMENTS_WRITE: "weight and height set the local-anaesthetic maximum (PRO-04): measured and "
                                   "recorded by the clinical team, not reception",
    Permission.SUITABILITY_DECIDE: "the practitioner decides (GMC: do not proceed if unlikely to benefit)",
    Permission.OVERRIDE: "a contraindication overridden with reasons: the practitioner (SEL-07)",
    Permission.CONSENT_TAKE: "consent by the performing practitioner, not delegated (SEL-15 [GMC])",
    Permission.PROCEDURE_PERFORM: "starting and signing the procedure: the performing practitioner",
    Permission.PROCEDURE_ASSIST: "the nurse documents what is done: checklist, doses, threads, observations",
    Permission.DISCHARGE: "fitness to leave (DIS-01: facial-nerve screen, LAST symptoms) is a clinical "
                          "judgement; the GMC has the practitioner explain follow-up needs",
    Permission.PHOTO_READ: "clinical photos are the clinical record (d3)",
    Permission.PHOTO_WRITE: "taking standard photos: the clinical team",
    Permission.FOLLOW_UP_SCHEDULE_READ: "who is due when: reception books, the clinical team sees them",
    Permission.FOLLOW_UP_WRITE: "a follow-up visit documented by whoever sees the patient",
    Permission.APPOINTMENTS_BOOK: "booking, moving and cancelling follow-up appointments (with a reason), and "
                                  "no-shows: reception and the clinical team",
    Permission.DIARY_READ: "the day's and week's appointments (patient, time, clinician, room), no clinical "
                           "content: reception and the clinical team",
    Permission.ADVERSE_WRITE: "any clinical member of staff reports a complication",
    Permission.REGISTER_READ: "complications and lot recipients with names: the clinical team, not the "
                              "administrator",
    Permission.OUTCOMES_READ: "the clinic's outcome statistics, no names: clinicians and the administrator "
                              "(issue 18)",
    Permission.LOTS_READ: "stock counts, no patient data",
    Permission.LOTS_WRITE: "receiving thread lots: the clinical team",
    Permission.AUDIT_READ: "the audit trail: the administrator (d1 audit controls)",
    Permission.RECORD_EXPORT: "a whole record as FHIR: the clinician, and the administrator for transfers "
                              "(issue 16)",
    Permission.SUBJECT_ACCESS: "a patient's access request answered within a month (d2): the administrator",
    Permission.USERS_MANAGE: "accounts and roles: the administrator",
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]
