"""The clinic's calendar: a clinical date (today, a cooling-off period's end, a follow-up's due date, a
lot's expiry) is a date in the clinic's own time zone, never the date of a UTC instant nor the server's.
West of UTC an evening's work would otherwise land on the next day, and a cooling-off period end a day
early. The use cases take the instant from their injected clock and the zone from the settings
(``THREADLIFT_TIMEZONE``), and ask here for the date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

LATEST_UTC_OFFSET = timedelta(hours=14)
"""The furthest east a clock runs (Kiribati, UTC+14): no date after today's there has begun anywhere."""


@lru_cache(maxsize=16)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def clinic_date(moment: datetime, timezone: str) -> date:
    """The date on the clinic's calendar at ``moment`` (an aware instant)."""
    if moment.tzinfo is None:
        raise ValueError("a clinical date needs an aware instant (with its UTC offset), not a naive time")
    return moment.astimezone(zone(timezone)).date()


def start_of_day(day: date, timezone: str) -> datetime:
    """The instant the clinic's ``day`` begins (its midnight, in the clinic's zone)."""
    return datetime.combine(day, time.min, tzinfo=zone(timezone))


def latest_date_anywhere(moment: datetime | None = None) -> date:
    """The latest calendar date on Earth at ``moment`` (default: now): a date after it is in the future
    for every clinic, whatever its zone. For a check that has no clinic (a schema's bound)."""
    return ((moment or datetime.now(UTC)).astimezone(UTC) + LATEST_UTC_OFFSET).date()


# How a day is written on every page and document: the clinic chooses one (THREADLIFT_DATE_FORMAT).
DATE_FORMATS = {"DD Mon YYYY": "%d %b %Y", "YYYY-MM-DD": "%Y-%m-%d", "DD/MM/YYYY": "%d/%m/%Y", "MM/DD/YYYY": "%m/%d/%Y"}
DEFAULT_DATE_FORMAT = "DD Mon YYYY"


def date_pattern(name: str) -> str:
    """The strftime pattern of one of :data:`DATE_FORMATS` (its name in any case)."""
    found = next((pattern for known, pattern in DATE_FORMATS.items() if known.lower() == name.strip().lower()), None)
    if found is None:
        raise ValueError(f"{name!r} is not a date format; choose one of " + ", ".join(DATE_FORMATS))
    return found


def day_text(value: date | datetime, pattern: str, timezone: str) -> str:
    """The one formatter of a day: ``value`` written with ``pattern`` (see :func:`date_pattern`); an instant is
    written as the clinic's day."""
    if isinstance(value, datetime):
        value = clinic_date(value, timezone)
    return value.strftime(pattern)


def clinic_moment(day: date, at: time, timezone: str) -> datetime:
    """The instant of the clinic's wall-clock time ``at`` on ``day`` (a booked appointment's start). A time
    the clocks skip (the hour lost when summer time begins) is refused: no appointment can start then."""
    moment = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone(timezone))
    if moment.astimezone(UTC).astimezone(zone(timezone)).replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise ValueError(f"{at.strftime('%H:%M')} does not exist on {day.isoformat()} in the clinic's time zone "
                         "(the clocks go forward then); choose another time")
    return moment
