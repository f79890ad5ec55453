"""Booked follow-up appointments: rows in, domain records out. Never deleted: a cancellation is a status."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from threadlift.clinic.appointments import Appointment, AppointmentStatus
from threadlift.clinic.errors import NotFound
from threadlift.store.tables import AppointmentRow

_COLUMNS = ("follow_up", "follow_up_name", "starts_at", "duration_minutes", "clinician_id", "room")
_DIARY_LOCK = 0x7468_6C64  # PostgreSQL advisory lock of the diary ("thld"): bookings check and write one at a time


class SqlAppointmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_diary(self) -> None:
        """Held until the unit ends, so two bookings of one slot cannot both see it free. SQLite has one
        writer at a time already (the unit of work holds it)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DIARY_LOCK})

    def add(self, appointment: Appointment) -> None:
        self.session.add(AppointmentRow(id=str(appointment.id), **_values(appointment)))
        self.session.flush()

    def save(self, appointment: Appointment) -> None:
        self.session.execute(update(AppointmentRow).where(AppointmentRow.id == str(appointment.id))
                             .values(**_values(appointment)))

    def get(self, appointment_id: UUID | str) -> Appointment:
        row = self.session.get(AppointmentRow, str(appointment_id))
        if row is None:
            raise NotFound(f"no appointment {appointment_id}")
        return _appointment(row)

    def between(self, start: datetime, end: datetime, *, booked_only: bool = False) -> list[Appointment]:
        """Appointments that take time between ``start`` and ``end``, in order of their start."""
        query = select(AppointmentRow).where(AppointmentRow.starts_at < end, AppointmentRow.ends_at > start)
        if booked_only:
            query = query.where(AppointmentRow.status == AppointmentStatus.BOOKED.value)
        return [_appointment(r) for r in self.session.execute(query.order_by(AppointmentRow.starts_at)).scalars()]

    def for_episode(self, episode_id: UUID | str) -> list[Appointment]:
        query = select(AppointmentRow).where(AppointmentRow.episode_id == str(episode_id))
        return [_appointment(r) for r in self.session.execute(query.order_by(AppointmentRow.starts_at)).scalars()]

    def for_patient(self, patient_id: UUID | str) -> list[Appointment]:
        query = select(AppointmentRow).where(AppointmentRow.patient_id == str(patient_id))
        return [_appointment(r) for r in self.session.execute(query.order_by(AppointmentRow.starts_at)).scalars()]


def _values(appointment: Appointment) -> dict[str, object]:
    return {"patient_id": str(appointment.patient_id), "episode_id": str(appointment.episode_id),
            **{c: getattr(appointment, c) for c in _COLUMNS}, "ends_at": appointment.ends_at,
            "status": appointment.status.value,
            "history": [h.model_dump(mode="json") for h in appointment.history]}


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite keeps no zone: written in UTC


def _appointment(row: AppointmentRow) -> Appointment:
    return Appointment.model_validate({"id": row.id, "patient_id": row.patient_id, "episode_id": row.episode_id,
                                       **{c: getattr(row, c) for c in _COLUMNS}, "starts_at": _utc(row.starts_at),
                                       "status": row.status, "history": row.history})
