"""Completeness of the data behind every metric, from gold ``data_coverage``."""

from __future__ import annotations

from datetime import datetime

import duckdb

from ghintel_api.core.lake import Lake
from ghintel_api.core.windows import HOUR, Granularity, Span
from ghintel_api.models import Coverage, CoverageHour
from ghintel_api.queries.common import bucket_level, buckets

# Above this many hours, walk the known hours instead of every hour of the span.
_WALK_LIMIT = 24 * 62


def _status(ok: int, low: int, expected: int) -> str:
    if expected > 0 and ok == expected:
        return "complete"
    return "partial" if ok + low > 0 else "missing"


def hour_levels(lake: Lake, span: Span) -> dict[datetime, str]:
    """Coverage level of each hour of the span that data_coverage knows about."""
    known = lake.coverage_by_hour
    return {h: c.level for h, c in known.items() if span.first_hour <= h <= span.last_hour}


def span_coverage(lake: Lake, span: Span | None) -> Coverage:
    if span is None:
        empty = lake.newest_hour is None
        return Coverage(
            status="missing",
            hours_expected=0,
            hours_ok=0,
            hours_low=0,
            hours_missing=0,
            star_status="missing",
            notes=[
                "the lake has no data yet" if empty else "no hour of the lake lies in the requested range"
            ],
        )
    expected = span.hours
    if not lake.has("data_coverage"):
        return Coverage(
            status="missing",
            hours_expected=expected,
            hours_ok=0,
            hours_low=0,
            hours_missing=expected,
            star_status="missing",
            notes=["gold data_coverage is not available yet"],
        )
    known = lake.coverage_by_hour
    if expected <= _WALK_LIMIT:
        hours = [span.first_hour + i * HOUR for i in range(expected)]
        found = [(h, known[h]) for h in hours if h in known]
    else:
        found = sorted((h, c) for h, c in known.items() if span.first_hour <= h <= span.last_hour)
    ok = sum(c.level == "ok" for _, c in found)
    low = sum(c.level == "low" for _, c in found)
    star_ok = sum(c.star == "ok" for _, c in found)
    star_low = sum(c.star == "low" for _, c in found)
    present = [h for h, c in found if c.level != "missing"]
    notes = sorted({note for _, c in found for note in c.notes})[:5]
    return Coverage(
        status=_status(ok, low, expected),
        hours_expected=expected,
        hours_ok=ok,
        hours_low=low,
        hours_missing=expected - ok - low,
        star_status=_status(star_ok, star_low, expected),
        first_hour=min(present) if present else None,
        last_hour=max(present) if present else None,
        notes=notes,
    )


def coverage_hours(lake: Lake, cur: duckdb.DuckDBPyConnection, span: Span, limit: int) -> list[CoverageHour]:
    sql = f"""
        SELECT event_hour, source, coalesce(events, 0) AS events,
               coalesce(coverage, 'missing') AS coverage,
               coalesce(star_coverage, 'missing') AS star_coverage,
               coalesce(is_gap, false) AS is_gap, watch_share,
               baseline_watch_share, pr_share, baseline_pr_share, note
        FROM {lake.rel("data_coverage")}
        WHERE event_hour >= ? AND event_hour < ?
        ORDER BY event_hour DESC, source
        LIMIT ?"""
    return [CoverageHour(**row) for row in lake.query(cur, sql, [span.first_hour, span.end, limit])]


def series_fields(
    lake: Lake, span: Span | None, granularity: Granularity, found: dict[datetime, dict], zero: dict
) -> dict:
    """The fields every activity series answer shares: its span, granularity, coverage, and one point
    per bucket (the bucket's row, zeros where there is none, with the bucket's coverage)."""
    series = []
    if span is not None:
        levels = hour_levels(lake, span)
        series = [
            {**zero, **found.get(ts, {}), "ts": ts, "coverage": bucket_level(levels, span, ts, granularity)}
            for ts in buckets(span, granularity)
        ]
    return {
        "window_start": span.first_hour if span else None,
        "window_end": span.end if span else None,
        "granularity": granularity.value,
        "series": series,
        "coverage": span_coverage(lake, span),
    }
