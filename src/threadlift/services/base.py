"""What every use case needs: a unit of work, the clinic's policy, the photo vault, a clock, the actor."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from threadlift.clinic.dates import clinic_date, clinic_moment, date_pattern, day_text, start_of_day, zone
from threadlift.clinic.errors import DomainError
from threadlift.clinic.policy import ClinicPolicy
from threadlift.clinic.roles import Permission, allowed
from threadlift.clinic.staff import User
from threadlift.config import Settings
from threadlift.services.analysers import LocalAnalyser
from threadlift.services.ports import PhotoAnalyser, PhotoStore, UnitOfWork, UnitOfWorkFactory


class PermissionDenied(DomainError):
    rule = "permission"


def utc_now() -> datetime:
    return datetime.now(UTC)


class LruCache:
    """A small thread-safe cache of derived results (photo analyses, comparisons) that are costly to redo.

    Values are derived from stored, immutable data (a photo never changes once stored), so they never
    go stale; the cache only bounds memory. Reads still go through the permission checks of the use case.
    """

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


@dataclass
class Services:
    """What the use cases run on: real adapters from :mod:`threadlift.bootstrap`, or the tests' fakes.

    ``database_in_process``: the database is a file this process reads itself (SQLite), with no
    network between; see :func:`threadlift.web.deps.local_read` for what that allows.
    """

    settings: Settings
    uow_factory: UnitOfWorkFactory
    vault: PhotoStore
    clock: Callable[[], datetime] = utc_now
    derived: LruCache = field(default_factory=LruCache)
    database_in_process: bool = False
    analyser: PhotoAnalyser = field(default_factory=LocalAnalyser)
    outbox_wake: threading.Event = field(default_factory=threading.Event)  # set: a message was queued
    # Keys that sign the pages' CSRF tokens, the first signing new ones: the composition root derives
    # them from the clinic's photo keys (store/keys.py derived_key); fakes get a random one.
    csrf_keys: tuple[bytes, ...] = field(default_factory=lambda: (os.urandom(32),), repr=False)

    @property
    def policy(self) -> ClinicPolicy:
        return self.settings.policy

    def today(self) -> date:
        """The clinic's date now (its time zone, from the injected clock): every clinical "today"."""
        return clinic_date(self.clock(), self.settings.timezone)

    def date_of(self, moment: datetime) -> date:
        """The clinic's date at ``moment`` (when a procedure started, a photo was taken...)."""
        return clinic_date(moment, self.settings.timezone)

    def start_of(self, day: date) -> datetime:
        """The instant the clinic's ``day`` begins."""
        return start_of_day(day, self.settings.timezone)

    def moment(self, day: date, at: time) -> datetime:
        """The instant of the clinic's wall-clock time ``at`` on its ``day`` (ValueError: a time the clocks skip)."""
        return clinic_moment(day, at, self.settings.timezone)

    def day_text(self, value: date | datetime) -> str:
        """A day as every page and document writes it (the clinic's THREADLIFT_DATE_FORMAT); an instant as the
        clinic's day."""
        return day_text(value, date_pattern(self.settings.date_format), self.settings.timezone)

    def wall_clock(self, moment: datetime) -> datetime:
        """``moment`` on the clinic's clock (its time zone)."""
        return moment.astimezone(zone(self.settings.timezone))

    def uow(self, *, read_only: bool = False, logs_reads: bool = False) -> UnitOfWork:
        """A unit of work. ``logs_reads``: it changes nothing but the audit trail (a read being logged)."""
        return self.uow_factory(read_only=read_only, logs_reads=logs_reads)


def require(actor: User, permission: Permission) -> None:
    if not allowed(actor.role, permission):
        article = "an" if actor.role.value[0] in "aeiou" else "a"  # "an admin", not "a admin"
        raise PermissionDenied(f"{article} {actor.role.value} may not do this ({permission.value})")


def record(uow: UnitOfWork, svc: Services, actor: User | None, action: str, entity_type: str,
           entity_id: object = None, **detail: object) -> None:
    """Append to the audit trail as part of the use case's unit of work. ``detail`` must hold no patient data."""
    uow.log(at=svc.clock(), user_id=actor.id if actor else None, action=action, entity_type=entity_type,
            entity_id=None if entity_id is None else str(entity_id), detail=detail)
