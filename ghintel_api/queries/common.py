"""Helpers shared by the query modules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ghintel_api.core.windows import HOUR, Granularity, Span


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def buckets(span: Span, granularity: Granularity) -> list[datetime]:
    """Start of every hour/day bucket the span touches, oldest first."""
    if granularity is Granularity.hour:
        return [span.first_hour + i * HOUR for i in range(span.hours)]
    first = span.first_hour.replace(hour=0)
    days = (span.last_hour.replace(hour=0) - first).days + 1
    return [first + timedelta(days=i) for i in range(days)]


def bucket_level(levels: dict[datetime, str], span: Span, start: datetime, granularity: Granularity) -> str:
    """Coverage of one series point: ok when every hour of it inside the span is ok."""
    if granularity is Granularity.hour:
        return levels.get(start, "missing")
    hours = [start + i * HOUR for i in range(24)]
    found = [levels.get(h, "missing") for h in hours if span.first_hour <= h <= span.last_hour]
    if found and all(level == "ok" for level in found):
        return "ok"
    return "low" if any(level != "missing" for level in found) else "missing"
