"""The server's background worker for the patient's side: sends the outbox, and on their own cadence
schedules check-ins, invites patients to them, triages answers left untriaged and queues appointment
reminders. One per server process; senders claim messages, so several processes never send one twice."""

from __future__ import annotations

import time
from collections.abc import Callable

from threadlift.services.base import Services
from threadlift.services.checkins import announce_aftercare, invite_check_ins, schedule_check_ins, triage_pending
from threadlift.services.outbox import OutboxWorker, Transport, follow_up_reminders
from threadlift.services.smtp import SmtpServer, SmtpTransport


class Every:
    """A task run at most every ``seconds`` (the worker wakes more often than most tasks need)."""

    def __init__(self, task: Callable[[Services], object], seconds: float) -> None:
        self.task = task
        self.seconds = seconds
        self.__name__ = task.__name__
        self._last = float("-inf")

    def __call__(self, svc: Services) -> None:
        now = time.monotonic()
        if now - self._last >= self.seconds:
            self._last = now
            self.task(svc)


def transport_of(svc: Services) -> Transport | None:
    """The SMTP transport of the settings (None: no server set; messages wait in the outbox)."""
    url = svc.settings.smtp_url
    return SmtpTransport(SmtpServer.from_url(url), svc.settings.mail_from) if url else None


def start_worker(svc: Services, *, interval: float = 1.0) -> OutboxWorker:
    tasks = (Every(triage_pending, 15), Every(schedule_check_ins, 60), Every(invite_check_ins, 60),
             Every(announce_aftercare, 60), Every(follow_up_reminders, 3600))
    return OutboxWorker(svc, transport_of(svc), interval=interval, tasks=tasks).start()
