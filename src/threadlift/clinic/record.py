"""A patient's whole record, as it leaves the clinic: the input of every export (FHIR, PDF, archive).

Pure data gathered by the export service through one unit of work; the exporters read nothing else.
The rule on withdrawn photo consent lives here, once: a photo may leave the clinic while a consent to
clinical photography that covered it when it was taken still stands. A withdrawal takes back every
photo taken under that consent ([records-standards d2][S42], "consent-based data must be erasable on
withdrawal"); a consent given later covers photos taken from then on. Subject access is the one
export that ignores this: the patient receives their own photos.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from uuid import UUID

from threadlift.clinic.appointments import Appointment, AppointmentStatus
from threadlift.clinic.consent import ConsentDocument, PhotoConsent, PhotoScope
from threadlift.clinic.episode import Episode
from threadlift.clinic.patient import Patient
from threadlift.clinic.photos import PhotoRecord
from threadlift.clinic.threads import ThreadLot


@dataclass(frozen=True)
class StaffMember:
    id: str
    display_name: str
    role: str


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    episodes: tuple[Episode, ...] = ()
    photos: tuple[PhotoRecord, ...] = ()
    photo_consents: tuple[PhotoConsent, ...] = ()
    consent_documents: Mapping[tuple[str, str], ConsentDocument] = field(default_factory=dict)
    lots: Mapping[UUID, ThreadLot] = field(default_factory=dict)
    staff: Mapping[str, StaffMember] = field(default_factory=dict)
    appointments: tuple[Appointment, ...] = ()  # follow-ups booked at a time (clinic/appointments.py)

    def photo_may_leave(self, photo: PhotoRecord) -> bool:
        """Whether a consent to clinical photography given before ``photo`` was taken still stands."""
        return any(PhotoScope.CLINICAL_RECORD in c.scopes and c.given_at <= photo.uploaded_at
                   and c.withdrawn_at is None and c.entered_in_error_at is None for c in self.photo_consents)

    def without_withdrawn_photos(self) -> PatientRecord:
        """The record as it may leave the clinic for anyone but the patient."""
        return replace(self, photos=tuple(p for p in self.photos if self.photo_may_leave(p)))

    def photos_of(self, episode_id: UUID) -> list[PhotoRecord]:
        return [p for p in self.photos if p.episode_id == episode_id]

    def booking_of(self, episode_id: UUID, follow_up: int) -> Appointment | None:
        """The follow-up's appointment as it stands (booked, attended or a no-show), the latest if it was booked
        more than once; None when it was never booked or every booking was cancelled."""
        found = [a for a in self.appointments if a.episode_id == episode_id and a.follow_up == follow_up
                 and a.status is not AppointmentStatus.CANCELLED]
        return max(found, key=lambda a: a.booked_at) if found else None

    def consent_document(self, procedure_type: str, version: str) -> ConsentDocument | None:
        return self.consent_documents.get((procedure_type, version))

    def staff_name(self, staff_id: str | None) -> str:
        if staff_id is None:
            return ""
        member = self.staff.get(staff_id)
        return member.display_name if member else staff_id
