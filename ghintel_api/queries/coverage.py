"""Completeness of the data behind every metric, from gold ``data_coverage``."""

from __future__ import annotations

from datetime import datetime

import duckdb

from ghintel_api.core.lake import Lake
from ghintel_api.core.windows import Span
from ghintel_api.models import Coverage, CoverageHour

# One row per hour: an hour is as good as its best source.
_PER_HOUR = """
SELECT event_hour,
       CASE WHEN bool_or(coverage = 'ok') THEN 'ok' WHEN bool_or(coverage = 'low') THEN 'low'
            ELSE 'missing' END AS coverage,
       CASE WHEN bool_or(star_coverage = 'ok') THEN 'ok' WHEN bool_or(star_coverage = 'low') THEN 'low'
            ELSE 'missing' END AS star_coverage,
       list(DISTINCT note) FILTER (WHERE note IS NOT NULL AND note <> '') AS notes
FROM {table}
WHERE event_hour >= ? AND event_hour < ?
GROUP BY event_hour
"""


def _status(ok: int, low: int, expected: int) -> str:
    if expected > 0 and ok == expected:
        return "complete"
    return "partial" if ok + low > 0 else "missing"


def hour_levels(lake: Lake, cur: duckdb.DuckDBPyConnection, span: Span) -> dict[datetime, str]:
    """Coverage level of each hour of the span that data_coverage knows about."""
    if not lake.has("data_coverage"):
        return {}
    rows = lake.query(cur, _PER_HOUR.format(table=lake.rel("data_coverage")), [span.first_hour, span.end])
    return {row["event_hour"]: row["coverage"] for row in rows}


def span_coverage(lake: Lake, cur: duckdb.DuckDBPyConnection, span: Span | None) -> Coverage:
    if span is None:
        return Coverage(
            status="missing",
            hours_expected=0,
            hours_ok=0,
            hours_low=0,
            hours_missing=0,
            star_status="missing",
            notes=["the lake has no data yet"],
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
    rows = lake.query(cur, _PER_HOUR.format(table=lake.rel("data_coverage")), [span.first_hour, span.end])
    ok = sum(r["coverage"] == "ok" for r in rows)
    low = sum(r["coverage"] == "low" for r in rows)
    star_ok = sum(r["star_coverage"] == "ok" for r in rows)
    star_low = sum(r["star_coverage"] == "low" for r in rows)
    present = [r["event_hour"] for r in rows if r["coverage"] != "missing"]
    notes = sorted({note for r in rows for note in (r["notes"] or [])})[:5]
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
