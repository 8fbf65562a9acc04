"""Trending repositories, read from gold ``repo_trending`` (the current ranking) and
``repo_trending_history`` (every scored hour); the scores are computed by dbt."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from ghintel_api.core.lake import Lake
from ghintel_api.core.lookups import latest_at_or_before
from ghintel_api.core.windows import HOUR, Span, Window, window_span
from ghintel_api.history_models import TrendingHistoryPoint, TrendingHistoryPublic
from ghintel_api.models import TrendingPublic, TrendingRepo
from ghintel_api.queries.coverage import span_coverage

_COLUMNS = """rank, repo_id, repo_name, score, coalesce(stars, 0) AS stars, coalesce(forks, 0) AS forks,
    stargazers, contributors, star_component, fork_component, activity_component, velocity_per_hour,
    prev_window_stars, velocity_change, explanation"""


def trending_repos(
    lake: Lake, cur: duckdb.DuckDBPyConnection, window: Window, as_of: datetime | None, limit: int
) -> TrendingPublic:
    """The ranking at ``as_of`` or, when gold has none for that hour, at the latest hour before it:
    the current ranking (``repo_trending``), or an earlier hour's from ``repo_trending_history``."""
    source = "repo_trending"
    table = lake.rel(source)
    ranked_at = None
    if as_of is not None:
        ranked_at = _ranked_at(lake, source, window, as_of)
        if ranked_at is None and lake.has("repo_trending_history"):
            source = "repo_trending_history"
            table = lake.rel(source)
            ranked_at = _ranked_at(lake, source, window, as_of)
    rows = []
    if ranked_at is not None:
        rows = lake.query(
            cur,
            f'SELECT {_COLUMNS} FROM {table} WHERE "window" = ? AND as_of = ? ORDER BY rank LIMIT ?',
            [window.value, ranked_at, limit],
        )
    span = window_span(window, ranked_at) if ranked_at is not None else None
    return TrendingPublic(
        window=window.value,
        as_of=ranked_at,
        table=source,
        coverage=span_coverage(lake, span),
        data=[TrendingRepo(**row) for row in rows],
    )


def _ranked_at(lake: Lake, source: str, window: Window, as_of: datetime) -> datetime | None:
    """The latest hour at or before ``as_of`` that ``source`` ranked in ``window`` (an index kept
    per loaded copy, core/lookups.py)."""
    at = as_of if as_of.tzinfo is not None else as_of.replace(tzinfo=UTC)
    return latest_at_or_before(lake.ranked_hours.get(source, {}).get(window.value, []), at)


_HISTORY_COLUMNS = """rank, score, stargazers, forkers, contributors, star_component, fork_component,
    activity_component, velocity_per_hour"""


def trending_history(
    lake: Lake,
    cur: duckdb.DuckDBPyConnection,
    repo: dict,
    window: Window,
    as_of: datetime | None,
    hours: int,
) -> TrendingHistoryPublic:
    """The repository's rank and score in ``window`` for every hour gold scored in the ``hours``
    ending at ``as_of`` (gold ``repo_trending_history``); hours where it did not rank say so."""
    span = Span(first_hour=as_of - (hours - 1) * HOUR, last_hour=as_of) if as_of is not None else None
    rows = []
    if span is not None and lake.has("repo_trending_history"):
        table = lake.rel("repo_trending_history")
        rows = lake.query(
            cur,
            f"""SELECT s.as_of, t.rank IS NOT NULL AS ranked, {_HISTORY_COLUMNS}
                FROM (SELECT DISTINCT as_of FROM {table}
                      WHERE "window" = ? AND as_of >= ? AND as_of <= ?) s
                LEFT JOIN (SELECT as_of, {_HISTORY_COLUMNS} FROM {table}
                           WHERE "window" = ? AND repo_id = ? AND as_of >= ? AND as_of <= ?) t
                  USING (as_of)
                ORDER BY s.as_of""",
            [
                window.value,
                span.first_hour,
                span.last_hour,
                window.value,
                repo["repo_id"],
                span.first_hour,
                span.last_hour,
            ],
        )
    points = [TrendingHistoryPoint(**row) for row in rows]
    ranks = [p.rank for p in points if p.rank is not None]
    return TrendingHistoryPublic(
        repo=repo["repo_name"],
        window=window.value,
        as_of=as_of,
        since=span.first_hour if span else None,
        hours=hours,
        scored_hours=len(points),
        ranked_hours=len(ranks),
        best_rank=min(ranks) if ranks else None,
        coverage=span_coverage(lake, span),
        data=points,
    )
