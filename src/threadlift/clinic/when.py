"""When something happened, as the record states it: never later than the clinic's today, never before
the episode it belongs to. A date the clinician types is checked here, once, for every record."""

from __future__ import annotations

from datetime import date

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
