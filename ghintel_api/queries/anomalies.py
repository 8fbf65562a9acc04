"""Anomalies detected by gold (``anomalies`` mart), newest first."""

from __future__ import annotations

from datetime import datetime

import duckdb

from ghintel_api.core.lake import Lake
from ghintel_api.core.windows import Span, floor_hour
from ghintel_api.models import AnomaliesPublic, Anomaly
from ghintel_api.queries.coverage import span_coverage


def list_anomalies(
    lake: Lake,
    cur: duckdb.DuckDBPyConnection,
    *,
    since: datetime | None,
    severity: str | None,
    repo: str | None,
    org: str | None,
    limit: int,
    newest_hour: datetime | None,
    oldest_hour: datetime | None,
) -> AnomaliesPublic:
    """Without ``since`` the coverage is the whole lake's (oldest to newest hour)."""
    conditions = {
        "event_hour >= ?": since,
        "severity = ?": severity,
        "entity_type = 'repo' AND lower(entity) = lower(?)": repo,
        "entity_type = 'org' AND lower(entity) = lower(?)": org,
    }
    given = {condition: value for condition, value in conditions.items() if value is not None}
    where, params = ["true", *given], list(given.values())
    sql = f"""SELECT * FROM {lake.rel("anomalies")} WHERE {" AND ".join(where)}
              ORDER BY event_hour DESC, score DESC NULLS LAST, entity LIMIT ?"""
    rows = lake.query(cur, sql, [*params, limit])
    span = None
    first = floor_hour(since) if since is not None else oldest_hour
    if newest_hour is not None and first is not None and first <= newest_hour:
        span = Span(first_hour=first, last_hour=newest_hour)
    return AnomaliesPublic(since=since, coverage=span_coverage(lake, span), data=[Anomaly(**r) for r in rows])
