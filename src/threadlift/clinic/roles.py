"""Roles and what each may do. Reception never reads medical history or photos (issue 3 §12)."""

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
    ADVERSE_WRITE = "adverse:write"
    REGISTER_READ = "register:read"  # complications register, lot recall
    OUTCOMES_READ = "outcomes:read"  # the clinic's outcome statistics, per thread, area and clinician (issue 18)
    LOTS_READ = "lots:read"
    LOTS_WRITE = "lots:write"
    AUDIT_READ = "audit:read"
    RECORD_EXPORT = "record:export"  # a patient's whole record as FHIR, or the clinic's in bulk (issue 16)
    SUBJECT_ACCESS = "record:subject_access"  # the archive answering a patient's access request
    USERS_MANAGE = "users:manage"


_CLINICAL = {
    Permission.DEMOGRAPHICS_READ, Permission.DEMOGRAPHICS_WRITE, Permission.EPISODE_STATUS_READ,
    Permission.MEDICAL_READ, Permission.MEDICAL_WRITE, Permission.PHOTO_READ, Permission.PHOTO_WRITE,
    Permission.PROCEDURE_ASSIST, Permission.FOLLOW_UP_SCHEDULE_READ, Permission.FOLLOW_UP_WRITE,
    Permission.ADVERSE_WRITE, Permission.REGISTER_READ, Permission.LOTS_READ, Permission.LOTS_WRITE,
}

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CLINICIAN: frozenset(_CLINICAL | {Permission.SUITABILITY_DECIDE, Permission.OVERRIDE, Permission.CONSENT_TAKE,
                                           Permission.PROCEDURE_PERFORM, Permission.DISCHARGE,
                                           Permission.RECORD_EXPORT, Permission.OUTCOMES_READ}),
    Role.NURSE: frozenset(_CLINICAL | {Permission.DISCHARGE}),
    Role.RECEPTION: frozenset({Permission.DEMOGRAPHICS_READ, Permission.DEMOGRAPHICS_WRITE,
                               Permission.EPISODE_STATUS_READ, Permission.FOLLOW_UP_SCHEDULE_READ}),
    Role.ADMIN: frozenset({Permission.USERS_MANAGE, Permission.AUDIT_READ, Permission.DEMOGRAPHICS_READ,
                           Permission.EPISODE_STATUS_READ, Permission.LOTS_READ, Permission.REGISTER_READ,
                           Permission.RECORD_EXPORT, Permission.SUBJECT_ACCESS, Permission.OUTCOMES_READ}),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]
