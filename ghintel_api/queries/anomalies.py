"""Anomalies detected by gold (``anomalies`` mart), newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from ghintel_api.core.lake import Lake
from ghintel_api.core.rollups import ANOMALY_ORDER, anomaly_rows
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
    rows = None
    if "anomaly_rows" in lake.rollups and (repo is None or org is None):
        entity = ("repo", repo) if repo is not None else ("org", org) if org is not None else None
        rows = anomaly_rows(
            lake.rollups["anomaly_rows"], since=since, severity=severity, entity=entity, limit=limit
        )
    if rows is None:
        rows = _anomalies_sql(lake, cur, AnomalyFilters(since, severity, repo, org, limit))
    span = None
    first = floor_hour(since) if since is not None else oldest_hour
    if newest_hour is not None and first is not None and first <= newest_hour:
        span = Span(first_hour=first, last_hour=newest_hour)
    return AnomaliesPublic(since=since, coverage=span_coverage(lake, span), data=[Anomaly(**r) for r in rows])


@dataclass(frozen=True)
class AnomalyFilters:
    since: datetime | None
    severity: str | None
    repo: str | None
    org: str | None
    limit: int


def _anomalies_sql(lake: Lake, cur: duckdb.DuckDBPyConnection, f: AnomalyFilters) -> list[dict]:
    """The mart's rows for the filters, in ANOMALY_ORDER (the rollup index answers the same)."""
    conditions = {
        "event_hour >= ?": f.since,
        "severity = ?": f.severity,
        "entity_type = 'repo' AND lower(entity) = lower(?)": f.repo,
        "entity_type = 'org' AND lower(entity) = lower(?)": f.org,
    }
    given = {condition: value for condition, value in conditions.items() if value is not None}
    where, params = ["true", *given], list(given.values())
    sql = f"""SELECT * FROM {lake.rel("anomalies")} WHERE {" AND ".join(where)}
              ORDER BY {ANOMALY_ORDER} LIMIT ?"""
    return lake.query(cur, sql, [*params, f.limit])
