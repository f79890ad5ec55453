"""When something happened, as the record states it: never later than the clinic's today, never before
the episode it belongs to. A date the clinician types is checked here, once, for every record."""

from __future__ import annotations

from datetime import date, datetime

from threadlift.clinic.errors import InvalidInput


def check_day(day: date, *, what: str, today: date, not_before: date | None = None) -> date:
    """``day`` if it may be recorded; else the refusal says which date and what to do."""
    if day > today:
        raise InvalidInput(f"{what} is {day.isoformat()}, after today ({today.isoformat()}): record what has "
                           "happened, with the day it happened", rule="when")
    if not_before is not None and day < not_before:
        raise InvalidInput(f"{what} is {day.isoformat()}, before this episode began ({not_before.isoformat()}); "
                           "check the date", rule="when")
    return day


def check_moment(moment: datetime | None, *, what: str, entered: datetime, not_before: datetime) -> datetime:
    """When something happened, recorded afterwards: not later than its entry, not before ``not_before`` (the
    start of the procedure it belongs to). None: it happened as it was entered."""
    if moment is None:
        return entered
    if moment.tzinfo is None:
        raise InvalidInput(f"{what} needs its time zone", rule="when")
    if moment > entered:
        raise InvalidInput(f"{what} ({moment.isoformat(timespec='minutes')}) is later than now: record what has "
                           "happened, at the time it happened", rule="when")
    if moment < not_before:
        raise InvalidInput(f"{what} ({moment.isoformat(timespec='minutes')}) is before the procedure began "
                           f"({not_before.isoformat(timespec='minutes')}); check the time", rule="when")
    return moment
