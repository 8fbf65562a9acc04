from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import Request

from ghintel_api.api.deps import CursorDep, LakeDep, api_router
from ghintel_api.api.params import CoverageParams, QuarantineParams, QueryOf
from ghintel_api.core.windows import HOUR, Span, floor_hour, parse_time
from ghintel_api.models import CoverageReportPublic, QuarantineReportPublic
from ghintel_api.queries.coverage import coverage_hours, span_coverage
from ghintel_pipeline.lib.lake.quality import quarantine_report

router = api_router("quality", "/quality")


@router.get("/coverage", operation_id="getCoverage")
def get_coverage(lake: LakeDep, cur: CursorDep, params: QueryOf[CoverageParams]) -> CoverageReportPublic:
    """Per-hour completeness of the data (default: the 7 days up to the newest hour)."""
    # until is exclusive: its last hour is the one holding the instant just before it.
    since_at, until_at = parse_time(params.since, "since"), parse_time(params.until, "until")
    last = floor_hour(until_at - timedelta(microseconds=1)) if until_at else lake.newest_hour
    first = floor_hour(since_at) if since_at else (last - 167 * HOUR if last else None)
    if last is None or first is None or first > last:
        return CoverageReportPublic(since=first, until=None, coverage=span_coverage(lake, None), hours=[])
    span = Span(first_hour=first, last_hour=last)
    return CoverageReportPublic(
        since=span.first_hour,
        until=span.end,
        coverage=span_coverage(lake, span),
        hours=coverage_hours(lake, cur, span, params.limit),
    )


@router.get("/quarantine", operation_id="getQuarantine")
def get_quarantine(request: Request, params: QueryOf[QuarantineParams]) -> QuarantineReportPublic:
    """Records the contract refused, counted by reason, source and hour, with example messages
    (default: the last 7 days). Raw bytes are never returned."""
    until_at = parse_time(params.until, "until") or datetime.now(UTC)
    since_at = parse_time(params.since, "since") or until_at - timedelta(days=7)
    report = quarantine_report(request.app.state.settings, since_at, until_at, params.limit)
    return QuarantineReportPublic(since=since_at, until=until_at, **report)
