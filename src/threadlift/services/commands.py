"""Typed commands: what a clinician, nurse, receptionist or administrator asks the clinic to do.

A command names its target (ids) and carries what the person entered, as the domain's own entry
models (``InjectionEntry``, ``ThreadPlacement``...), whose fields and limits are declared once, in
:mod:`threadlift.clinic`. The JSON API takes those entry models as request bodies and the pages build
them from their forms, so both are checked by the same code. Who acts, and when, is never part of a
command: the use case takes the signed-in user and its own clock.

Commands are pydantic dataclasses: one built anywhere (a page, a route, the command line, a test) is
validated when it is made, by the entry models' own rules, and refused with field-level errors.
"""

from __future__ import annotations

from dataclasses import field
from typing import Annotated
from uuid import UUID

from pydantic import Field
from pydantic.dataclasses import dataclass

from threadlift.clinic.adverse import AdverseEventReport, EventProgress
from threadlift.clinic.anaesthetic import InjectionEntry
from threadlift.clinic.appointments import Booking, Cancelling, Rescheduling
from threadlift.clinic.consent import ConsentDocument, ConsentSignature, PhotoConsentGrant, PhotoConsentWithdrawal
from threadlift.clinic.consultation import ConsultationEntry
from threadlift.clinic.corrections import AmendmentEntry, Correction, ErrorEntry
from threadlift.clinic.discharge import DischargeDecision, ObservationEntry
from threadlift.clinic.episode import Cancellation, Closure
from threadlift.clinic.followup import FollowUpOutcome
from threadlift.clinic.patient import PatientChanges, PatientDetails
from threadlift.clinic.procedure import ChecklistTick, ProcedureEventEntry, ThreadPlacement
from threadlift.clinic.ratings import AssessmentEntry
from threadlift.clinic.staff import StaffAccount
from threadlift.clinic.suitability import OverrideEntry
from threadlift.clinic.threads import ThreadLotEntry

# -- staff and patients --------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    username: Annotated[str, Field(min_length=1, max_length=80)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


@dataclass(frozen=True)
class CreateUser:
    account: StaffAccount


@dataclass(frozen=True)
class RegisterPatient:
    details: PatientDetails


@dataclass(frozen=True)
class UpdatePatient:
    patient_id: UUID
    changes: PatientChanges


@dataclass(frozen=True)
class GivePhotoConsent:
    patient_id: UUID
    grant: PhotoConsentGrant


@dataclass(frozen=True)
class WithdrawPhotoConsent:
    consent_id: UUID
    withdrawal: PhotoConsentWithdrawal
    patient_id: UUID | None = None  # when given, the consent must be this patient's


@dataclass(frozen=True)
class MarkPhotoInError:
    photo_id: UUID
    correction: Correction
    episode_id: UUID | None = None  # when given, the photo must be this episode's


@dataclass(frozen=True)
class MarkPhotoConsentInError:
    consent_id: UUID
    correction: Correction
    patient_id: UUID | None = None  # when given, the consent must be this patient's


@dataclass(frozen=True)
class OpenEpisode:
    patient_id: UUID


# -- consultation, suitability, consent and plan ----------------------------------------------------


@dataclass(frozen=True)
class RecordConsultation:
    """Save the consultation; with ``decide_suitability``, decide suitability on it in the same
    transaction (so a refused decision leaves no half-saved consultation behind)."""

    episode_id: UUID
    consultation: ConsultationEntry
    decide_suitability: bool = False


@dataclass(frozen=True)
class DecideSuitability:
    episode_id: UUID


@dataclass(frozen=True)
class OverrideFinding:
    episode_id: UUID
    override: OverrideEntry


@dataclass(frozen=True)
class AddConsentDocument:
    document: ConsentDocument


@dataclass(frozen=True)
class SignConsent:
    episode_id: UUID
    signature: ConsentSignature
    client_address: Annotated[str, Field(max_length=100)]


# -- procedure day --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartProcedure:
    episode_id: UUID


@dataclass(frozen=True)
class TickChecklist:
    episode_id: UUID
    tick: ChecklistTick


@dataclass(frozen=True)
class RecordInjection:
    episode_id: UUID
    injection: InjectionEntry


@dataclass(frozen=True)
class ConfirmInjection:
    """A second clinician confirms (or anyone withdraws) a dose over the maximum held for confirmation."""

    episode_id: UUID
    pending_id: UUID


@dataclass(frozen=True)
class PlaceThread:
    episode_id: UUID
    placement: ThreadPlacement


@dataclass(frozen=True)
class RecordProcedureEvent:
    episode_id: UUID
    event: ProcedureEventEntry


@dataclass(frozen=True)
class EndProcedure:
    episode_id: UUID


# -- observation, discharge, follow-up -------------------------------------------------------------


@dataclass(frozen=True)
class RecordObservation:
    episode_id: UUID
    observation: ObservationEntry


@dataclass(frozen=True)
class Discharge:
    episode_id: UUID
    decision: DischargeDecision


@dataclass(frozen=True)
class CompleteFollowUp:
    episode_id: UUID
    index: Annotated[int, Field(ge=0, le=100)]
    outcome: FollowUpOutcome


@dataclass(frozen=True)
class AssessFollowUp:
    """Outcome ratings (GAIS, the patient's report of the effect) added to a follow-up that took place."""

    episode_id: UUID
    index: Annotated[int, Field(ge=0, le=100)]
    assessment: AssessmentEntry


@dataclass(frozen=True)
class ReportAdverseEvent:
    episode_id: UUID
    event: AdverseEventReport


@dataclass(frozen=True)
class UpdateAdverseEvent:
    episode_id: UUID
    index: int
    progress: EventProgress


@dataclass(frozen=True)
class CancelEpisode:
    episode_id: UUID
    cancellation: Cancellation


@dataclass(frozen=True)
class CloseEpisode:
    episode_id: UUID
    closure: Closure


@dataclass(frozen=True)
class MarkEnteredInError:
    episode_id: UUID
    entry: ErrorEntry


@dataclass(frozen=True)
class AmendEntry:
    episode_id: UUID
    amendment: AmendmentEntry


# -- follow-up appointments ----------------------------------------------------------------------


@dataclass(frozen=True)
class BookAppointment:
    """A follow-up window of ``episode_id`` booked; ``patient_id`` must be the episode's patient."""

    episode_id: UUID
    patient_id: UUID
    booking: Booking


@dataclass(frozen=True)
class RescheduleAppointment:
    appointment_id: UUID
    rescheduling: Rescheduling


@dataclass(frozen=True)
class CancelAppointment:
    appointment_id: UUID
    cancelling: Cancelling


@dataclass(frozen=True)
class RecordNoShow:
    appointment_id: UUID


# -- stock and photos -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiveLot:
    lot: ThreadLotEntry


@dataclass(frozen=True)
class PhotoUpload:
    """A photo file for an episode: ``view`` as the analysis names views, ``stage`` baseline,
    procedure_day or follow_up. Checked (analysed, not stored) or stored by the photo use cases."""

    episode_id: UUID
    data: bytes = field(repr=False)
    view: str = "frontal"
    stage: str = "baseline"


@dataclass(frozen=True)
class ComparePhotos:
    before_id: UUID
    after_id: UUID
    force: bool = False
    episode_id: UUID | None = None  # when given, both photos must be this episode's
