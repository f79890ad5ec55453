"""E-mail through an outbox in the database: a use case queues a message in its own transaction (so a
message exists exactly when what caused it was committed), a worker sends it over SMTP, retries with
back-off and records the delivery; a message that has used its tries is shown on the staff dashboard.

Bodies come from the template files in ``services/messages/`` and hold no clinical detail: they say that
there is something to read and link to the portal (issue 17 §5). The clinic's name comes from settings.
"""

from __future__ import annotations

import base64
import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from string import Template
from typing import Protocol
from uuid import uuid4

from threadlift.clinic.appointments import AppointmentStatus
from threadlift.clinic.portal import MAX_ATTEMPTS, Attachment, OutboxMessage, retry_delay
from threadlift.services.base import Services
from threadlift.services.ports import UnitOfWork

log = logging.getLogger("threadlift.outbox")
LEASE = timedelta(minutes=2)  # a claimed message is another sender's again after this (a sender that died)
BATCH = 20
TEMPLATES = ("invitation", "sign_in", "check_in", "aftercare", "follow_up_reminder", "red_flag_alert")
EXPIRED_LINK = "its sign-in link expired before the mail server took it; send a new invitation"


class Transport(Protocol):
    def send(self, messages: list[OutboxMessage]) -> dict[str, str | None]:
        """By message id: None when the server took it, else why not."""
        ...


def render(kind: str, **values: object) -> tuple[str, str]:
    """(subject, body) of the template file ``kind``; its first line is ``Subject: ...``."""
    if kind not in TEMPLATES:
        raise ValueError(f"no message template {kind}")
    text = resources.files("threadlift.services").joinpath("messages", f"{kind}.txt").read_text(encoding="utf-8")
    filled = Template(text).substitute({k: str(v) for k, v in values.items()})
    head, _, body = filled.partition("\n\n")
    return head.removeprefix("Subject: ").strip(), body


def common_values(svc: Services) -> dict[str, object]:
    phone = svc.settings.clinic_phone
    return {"clinic_name": svc.settings.clinic_name, "phone_text": f" on {phone}" if phone else "",
            "portal": portal_url(svc, "/portal")}


def portal_url(svc: Services, path: str) -> str:
    return svc.settings.public_url.rstrip("/") + path


def queue(uow: UnitOfWork, svc: Services, kind: str, to_address: str, *, patient_id: str | None = None,
          dedupe_key: str | None = None, attachments: tuple[Attachment, ...] = (), **values: object) -> bool:
    """Queue a message in the caller's unit of work (False: one with this dedupe key exists already). The
    caller wakes the worker (``svc.outbox_wake.set()``) once the unit has committed; otherwise the worker
    finds it at its next look, a second later at most."""
    subject, body = render(kind, **{**common_values(svc), **values})
    now = svc.clock()
    added = uow.outbox.add(OutboxMessage(id=str(uuid4()), kind=kind, to_address=to_address, subject=subject,
                                         body=body, created_at=now, next_attempt_at=now,
                                         attachments=list(attachments), patient_id=patient_id, dedupe_key=dedupe_key))
    return added


def appointment_ics(svc: Services, *, uid: str, on: date | datetime, summary: str, minutes: int = 0) -> Attachment:
    """An iCalendar file (RFC 5545) for an appointment: all day on ``on`` in the clinic's calendar, or at a
    booked time (an aware instant) for ``minutes``."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//ThreadLift//portal//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{uid}@threadlift")
    event.add("dtstamp", svc.clock())
    event.add("dtstart", on)
    event.add("dtend", on + timedelta(minutes=minutes) if isinstance(on, datetime) else on + timedelta(days=1))
    event.add("summary", summary)
    calendar.add_component(event)
    return Attachment("appointment.ics", "text/calendar", base64.b64encode(calendar.to_ical()).decode())


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def send_due(svc: Services, transport: Transport, *, limit: int = BATCH) -> SendReport:
    """Send what is due: claim each message (so two senders never send one twice), send the batch over one
    connection, then record each result in its own short transaction."""
    now = svc.clock()
    claimed: list[OutboxMessage] = []
    with svc.uow() as uow:
        for message_id in uow.outbox.due(now, limit):
            message = uow.outbox.claim(message_id, now, LEASE)
            if message is not None:
                claimed.append(message)
        uow.commit()
    if not claimed:
        return SendReport()
    expired = [m for m in claimed if m.link_expired(now)]  # its link would only say "expired"
    results: dict[str, str | None] = {m.id: EXPIRED_LINK for m in expired}
    live = [m for m in claimed if m not in expired]
    if live:
        results.update(transport.send(live))
    sent = retried = failed = 0
    with svc.uow() as uow:
        done_at = svc.clock()
        for message in claimed:
            attempts = message.attempts + 1
            error = results.get(message.id, "not sent")
            if error is None:
                uow.outbox.sent(message.id, done_at, attempts)
                uow.log(at=done_at, user_id=None, action="sent", entity_type="message", entity_id=message.id,
                        detail={"kind": message.kind, "attempts": attempts})
                sent += 1
                continue
            give_up = attempts >= MAX_ATTEMPTS or error == EXPIRED_LINK
            uow.outbox.retry(message.id, attempts=attempts, at=done_at + retry_delay(attempts), error=error,
                             give_up=give_up)
            if give_up:
                uow.log(at=done_at, user_id=None, action="undeliverable", entity_type="message",
                        entity_id=message.id, detail={"kind": message.kind, "attempts": attempts})
                failed += 1
            else:
                retried += 1
            log.warning("message %s (%s) not sent, try %d of %d: %s", message.id, message.kind, attempts,
                        MAX_ATTEMPTS, error)
        uow.commit()
    return SendReport(sent, retried, failed)


def follow_up_reminders(svc: Services, *, days_ahead: int = 2) -> int:
    """Queue a reminder, with its .ics, for each visit in the next ``days_ahead`` days of the clinic's calendar,
    to patients with an address on record: at its booked time where it is booked (once per time: a moved
    appointment is reminded again), else on the day it is due (once per follow-up: the dedupe keys)."""
    today = svc.today()
    queued = 0
    summary = f"Appointment at {svc.settings.clinic_name}"
    now = svc.clock()
    with svc.uow() as uow:
        for booked in uow.appointments.between(now, svc.start_of(today + timedelta(days=days_ahead + 1)),
                                               booked_only=True):
            if booked.starts_at <= now:
                continue
            patient = uow.patients.get(booked.patient_id)
            if not patient.email:
                continue
            ics = appointment_ics(svc, uid=str(booked.id), on=booked.starts_at, summary=summary,
                                  minutes=booked.duration_minutes)
            local = svc.wall_clock(booked.starts_at)
            when = f"{local:%A} {svc.day_text(local)} at {local:%H:%M}"
            queued += queue(uow, svc, "follow_up_reminder", patient.email, patient_id=str(patient.id),
                            dedupe_key=f"reminder:{booked.id}:{booked.starts_at.isoformat(timespec='minutes')}",
                            attachments=(ics,), when=when)
        for due in uow.registers.follow_ups_due(today, today + timedelta(days=days_ahead)):
            if due.due_on < today or due.kind != "visit":
                continue
            if any(a.follow_up == due.position and a.status is AppointmentStatus.BOOKED
                   for a in uow.appointments.for_episode(due.episode_id)):
                continue  # reminded at its booked time instead
            patient = uow.patients.get(due.patient_id)
            if not patient.email:
                continue
            ics = appointment_ics(svc, uid=f"{due.episode_id}-{due.position}", on=due.due_on, summary=summary)
            when = f"{due.due_on:%A} {svc.day_text(due.due_on)}"
            queued += queue(uow, svc, "follow_up_reminder", patient.email, patient_id=str(patient.id),
                            dedupe_key=f"reminder:{due.episode_id}:{due.position}", attachments=(ics,), when=when)
        uow.commit()
    return queued


class OutboxWorker:
    """A thread that sends the outbox and runs the portal's background tasks: woken when a message is
    queued in this process, and at least every ``interval`` seconds (messages queued by another process,
    retries coming due)."""

    def __init__(self, svc: Services, transport: Transport | None, *, interval: float = 1.0,
                 tasks: tuple[object, ...] = ()) -> None:
        self.svc = svc
        self.transport = transport
        self.interval = interval
        self.tasks = tasks
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="threadlift-outbox", daemon=True)

    def start(self) -> OutboxWorker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.svc.outbox_wake.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.svc.outbox_wake.wait(self.interval)
            self.svc.outbox_wake.clear()
            if self._stop.is_set():
                return
            self.run_once()

    def run_once(self) -> None:
        for task in self.tasks:
            try:
                task(self.svc)  # type: ignore[operator]
            except Exception:  # one task failing must not stop the mail; it is retried next time
                log.exception("outbox task %s failed", getattr(task, "__name__", task))
        if self.transport is None:
            return
        try:
            while send_due(self.svc, self.transport).sent == BATCH:
                pass
        except Exception:
            log.exception("sending the outbox failed; trying again shortly")
