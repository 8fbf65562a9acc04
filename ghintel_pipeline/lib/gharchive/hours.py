"""GH Archive hour names: ``YYYY-MM-DD-H`` (hour not zero-padded), one file ``<hour>.json.gz`` each."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

HOUR_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(\d{1,2})$")
FILE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}-\d{1,2})\.json(?:\.gz)?$")
MAX_RANGE_HOURS = 24 * 366  # a typo in --from/--to should not queue years of downloads


class HourSpecError(ValueError):
    """Not an hour of the form YYYY-MM-DD-H, or a bad range."""


def parse_hour(spec: str) -> datetime:
    """``2015-01-01-1`` (or ``-01``) -> 2015-01-01T01:00Z."""
    match = HOUR_RE.match(spec.strip())
    if not match:
        raise HourSpecError(f"{spec!r} is not an hour of the form YYYY-MM-DD-H (e.g. 2015-01-01-15)")
    year, month, day, hour = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, hour, tzinfo=UTC)
    except ValueError as exc:
        raise HourSpecError(f"{spec!r}: {exc}") from exc


def is_hour_spec(spec: str) -> bool:
    return bool(HOUR_RE.match(spec.strip()))


def format_hour(hour: datetime) -> str:
    """GH Archive's own spelling: no zero padding of the hour (``2015-01-01-1``)."""
    return f"{hour:%Y-%m-%d}-{hour.hour}"


def hour_iso(hour: datetime) -> str:
    return f"{hour:%Y-%m-%dT%H}:00:00Z"


def hour_filename(hour: datetime) -> str:
    return f"{format_hour(hour)}.json.gz"


def hour_url(base_url: str, hour: datetime) -> str:
    return f"{base_url.rstrip('/')}/{hour_filename(hour)}"


def hour_from_filename(name: str) -> datetime | None:
    """The hour a file holds when it is named the GH Archive way, else None."""
    match = FILE_RE.match(name)
    if not match:
        return None
    try:
        return parse_hour(match.group(1))
    except HourSpecError:
        return None


def hour_range(start: str | datetime, end: str | datetime) -> list[datetime]:
    """Every hour from ``start`` to ``end``, both included."""
    first = parse_hour(start) if isinstance(start, str) else start
    last = parse_hour(end) if isinstance(end, str) else end
    if last < first:
        raise HourSpecError(f"--to {format_hour(last)} is before --from {format_hour(first)}")
    count = int((last - first) / timedelta(hours=1)) + 1
    if count > MAX_RANGE_HOURS:
        raise HourSpecError(f"range of {count} hours is longer than {MAX_RANGE_HOURS}; split it")
    return [first + timedelta(hours=i) for i in range(count)]
