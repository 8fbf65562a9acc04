"""Time windows of the API: named spans of whole hours ending at (and including) ``as_of``.

``window=24h&as_of=2015-01-01T15:00Z`` covers the hours 2014-12-31T16:00 .. 2015-01-01T15:00, i.e.
events with ``created_at`` in [16:00 the day before, 16:00). ``as_of`` defaults to the newest hour
in gold, so "last 24h" means the last 24 hours of data, not of the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

HOUR = timedelta(hours=1)
MIN_TIME = datetime(1970, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(2100, 1, 1, tzinfo=UTC)


class Window(StrEnum):
    h1 = "1h"
    h24 = "24h"
    d7 = "7d"
    d30 = "30d"


WINDOW_HOURS = {Window.h1: 1, Window.h24: 24, Window.d7: 168, Window.d30: 720}


class Granularity(StrEnum):
    hour = "hour"
    day = "day"


def default_granularity(window: Window) -> Granularity:
    """Series buckets when none are asked for: hours up to 24h, days above."""
    return Granularity.hour if window in (Window.h1, Window.h24) else Granularity.day


class BadTime(ValueError):
    """A user-supplied time outside the range the API accepts (422)."""


def to_utc(value: datetime, field: str = "time") -> datetime:
    """Naive datetimes are UTC; anything outside 1970..2100 is rejected (and can never overflow)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not (MIN_TIME <= value < MAX_TIME):
        raise BadTime(f"{field} must be between 1970-01-01 and 2100-01-01 (UTC), got {value.isoformat()}")
    return value


def parse_time(text: str | None, field: str) -> datetime | None:
    """ISO 8601 text (already pattern-checked) -> aware UTC datetime; impossible dates -> BadTime."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError as exc:
        raise BadTime(f"{field}: {text!r} is not a valid date and time") from exc
    return to_utc(value, field)


def floor_hour(value: datetime) -> datetime:
    return value.replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Span:
    """Hours [first_hour, last_hour], both inclusive; ``end`` is the exclusive upper bound."""

    first_hour: datetime
    last_hour: datetime

    @property
    def end(self) -> datetime:
        return self.last_hour + HOUR

    @property
    def hours(self) -> int:
        return int((self.last_hour - self.first_hour) / HOUR) + 1

    def full_days(self) -> tuple[date, date] | None:
        """First and last UTC day lying entirely inside the span, or None."""
        first = self.first_hour.date() if self.first_hour.hour == 0 else self.first_hour.date() + timedelta(1)
        last = self.last_hour.date() if self.last_hour.hour == 23 else self.last_hour.date() - timedelta(1)
        return (first, last) if first <= last else None


def window_span(window: Window, as_of: datetime) -> Span:
    last = floor_hour(as_of)
    return Span(first_hour=last - (WINDOW_HOURS[window] - 1) * HOUR, last_hour=last)


def resolve_as_of(requested: str | None, newest_hour: datetime | None) -> datetime | None:
    parsed = parse_time(requested, "as_of")
    return floor_hour(parsed) if parsed is not None else newest_hour


def clamp_as_of(
    requested: str | None, newest_hour: datetime | None, oldest_hour: datetime | None
) -> tuple[datetime | None, str | None]:
    """``as_of`` inside the lake's hours, and a note when a requested one had to be moved there."""
    resolved = resolve_as_of(requested, newest_hour)
    if resolved is None or newest_hour is None:
        return resolved, None
    bound = None
    if resolved > newest_hour:
        bound, edge = newest_hour, "after the newest"
    elif oldest_hour is not None and resolved < oldest_hour:
        bound, edge = oldest_hour, "before the oldest"
    if bound is None:
        return resolved, None
    note = f"as_of {resolved.isoformat()} is {edge} hour in the lake; clamped to {bound.isoformat()}"
    return bound, note
