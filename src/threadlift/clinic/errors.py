"""Domain errors. Each rule has its own class; the web layer maps them to HTTP statuses."""

from __future__ import annotations


class DomainError(Exception):
    """A clinical or record-keeping rule refused the action. ``rule`` names it (e.g. ``PRO-04``)."""

    rule = "domain"

    def __init__(self, message: str, *, rule: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if rule is not None:
            self.rule = rule


class NotFound(DomainError):
    rule = "not_found"


class InvalidTransition(DomainError):
    rule = "episode_state"


class RecordLocked(DomainError):
    rule = "record_locked"


class ConsentMissing(DomainError):
    rule = "consent_required"


class SuitabilityNotCleared(DomainError):
    rule = "suitability"


class DoseExceeded(DomainError):
    rule = "PRO-04"


class ExpiredLot(DomainError):
    rule = "lot_expired"


class PlanMismatch(DomainError):
    """A thread recorded against a planned thread it does not match: confirmed, or another lot chosen."""

    rule = "PRO-01"


class LotUnavailable(DomainError):
    rule = "lot_unavailable"


class ContraindicatedProduct(DomainError):
    rule = "SEL-09"


class OverrideRefused(DomainError):
    rule = "override"


class DischargeNotReady(DomainError):
    rule = "DIS-01"


class InvalidInput(DomainError):
    """A value that passes the schema but not the clinic's rules (a date in the future, a negative volume)."""

    rule = "invalid_input"


class Conflict(DomainError):
    """What was sent clashes with a record already stored (the same lot twice, two saves at once)."""

    rule = "conflict"
