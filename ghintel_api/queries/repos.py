"""Repository activity and overview, from gold hourly activity, dim_repos, trending and anomalies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from ghintel_api.core.lake import Lake
from ghintel_api.core.lookups import stored_name
from ghintel_api.core.rollups import REPO_COUNTS, repo_buckets
from ghintel_api.core.windows import Granularity, Span, Window, window_span
from ghintel_api.models import (
    ActivityTotals,
    Anomaly,
    RepoActivityPublic,
    RepoOverviewPublic,
    RepoTrendingRank,
)
from ghintel_api.queries.common import as_utc
from ghintel_api.queries.coverage import series_fields, span_coverage

_COUNTS = REPO_COUNTS  # the mart's counts, summed alike by the SQL and the rollup index
_SUMS = (
    ", ".join(f"coalesce(sum({c}), 0)::BIGINT AS {c}" for c in _COUNTS) + ", sum(commits)::BIGINT AS commits"
)


def resolve_repo(lake: Lake, cur: duckdb.DuckDBPyConnection, full_name: str) -> dict[str, Any] | None:
    """The dim_repos row of ``owner/name`` (case-insensitive; the most recently seen on a clash)."""
    table = lake.rel("dim_repos")
    name = stored_name(lake.names.get("dim_repos"), full_name)
    if name is None:
        return None
    where = "lower(repo_name) = lower(?)" if name is False else "repo_name = ?"
    rows = lake.query(
        cur,
        f"SELECT * FROM {table} WHERE {where} ORDER BY last_seen DESC NULLS LAST LIMIT 1",
        [full_name if name is False else name],
    )
    return rows[0] if rows else None


def resolve_repo_name(lake: Lake, cur: duckdb.DuckDBPyConnection, full_name: str) -> str | None:
    """The stored ``owner/name`` of a repository (as :func:`resolve_repo`), from the name index
    without a query; the row query only when the index cannot answer."""
    name = stored_name(lake.names.get("dim_repos"), full_name)
    if name is not False:
        return name
    repo = resolve_repo(lake, cur, full_name)
    return repo["repo_name"] if repo else None


def activity_buckets(
    lake: Lake, cur: duckdb.DuckDBPyConnection, repo_name: str, span: Span, granularity: Granularity
) -> list[dict]:
    """The repository's sums per bucket of the span (buckets without rows left out), from the
    rollup index of ``fct_repo_activity_hourly`` when it is built, else from the mart."""
    table = lake.rel("fct_repo_activity_hourly")
    index = lake.rollups.get("repo_hours")
    if index is not None:
        return repo_buckets(index, repo_name, span, granularity)
    actors = "sum(distinct_actors)::BIGINT" if granularity is Granularity.hour else "NULL::BIGINT"
    return lake.query(
        cur,
        f"""SELECT date_trunc('{granularity.value}', event_hour) AS ts, {_SUMS},
                   {actors} AS distinct_actors
            FROM {table} WHERE repo_name = ? AND event_hour >= ? AND event_hour < ?
            GROUP BY ts""",
        [repo_name, span.first_hour, span.end],
    )


def repo_activity(
    lake: Lake,
    cur: duckdb.DuckDBPyConnection,
    repo_name: str,
    window: Window,
    as_of: datetime | None,
    granularity: Granularity,
) -> RepoActivityPublic:
    span = window_span(window, as_of) if as_of is not None else None
    totals = ActivityTotals(**dict.fromkeys(_COUNTS, 0), commits=None)
    found: dict[datetime, dict] = {}
    if span is not None:
        rows = activity_buckets(lake, cur, repo_name, span, granularity)
        found = {as_utc(r["ts"]): r for r in rows}
        # The window's totals are the sums of its buckets (commits stays NULL if no push had a size).
        commits = [r["commits"] for r in rows if r["commits"] is not None]
        totals = ActivityTotals(
            **{c: sum(r[c] for r in rows) for c in _COUNTS}, commits=sum(commits) if commits else None
        )
    zero = {**dict.fromkeys(_COUNTS, 0), "commits": None, "distinct_actors": None}
    return RepoActivityPublic(
        repo=repo_name,
        window=window.value,
        as_of=as_of,
        totals=totals,
        **series_fields(lake, span, granularity, found, zero),
    )


def repo_overview(
    lake: Lake, cur: duckdb.DuckDBPyConnection, repo: dict[str, Any], newest_hour: datetime | None
) -> RepoOverviewPublic:
    name = repo["repo_name"]
    trending: list[RepoTrendingRank] = []
    if lake.has("repo_trending"):
        table = lake.rel("repo_trending")
        rows = lake.query(
            cur,
            f"""SELECT t."window" AS window, t.as_of, t.rank, t.score FROM {table} t
                JOIN (SELECT "window", max(as_of) AS as_of FROM {table} GROUP BY "window") latest
                  USING ("window", as_of)
                WHERE t.repo_name = ?""",
            [name],
        )
        order = {w.value: i for i, w in enumerate(Window)}  # 1h, 24h, 7d, 30d in every answer
        rows.sort(key=lambda r: (order.get(r["window"], len(order)), r["window"]))
        trending = [RepoTrendingRank(**r) for r in rows]
    anomalies: list[Anomaly] = []
    if lake.has("anomalies"):
        rows = lake.query(
            cur,
            f"""SELECT * FROM {lake.rel("anomalies")} WHERE entity_type = 'repo' AND entity = ?
                ORDER BY event_hour DESC, score DESC LIMIT 5""",
            [name],
        )
        anomalies = [Anomaly(**r) for r in rows]
    span = None
    if repo.get("first_seen") is not None and newest_hour is not None:
        first = as_utc(repo["first_seen"]).replace(minute=0, second=0, microsecond=0)
        span = Span(first_hour=min(first, newest_hour), last_hour=newest_hour)
    counts = {
        c: repo.get(c) or 0 for c in ("events", "stars", "forks", "pushes", "prs_opened", "issues_opened")
    }
    return RepoOverviewPublic(
        repo_id=repo.get("repo_id"),
        repo_name=name,
        owner=repo.get("owner"),
        org_login=repo.get("org_login"),
        first_seen=repo.get("first_seen"),
        last_seen=repo.get("last_seen"),
        actors=repo.get("actors"),
        **counts,
        trending=trending,
        recent_anomalies=anomalies,
        coverage=span_coverage(lake, span),
    )
