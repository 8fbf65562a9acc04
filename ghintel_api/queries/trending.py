"""Trending repositories, read from gold ``repo_trending`` (scores are computed by dbt)."""

from __future__ import annotations

from datetime import datetime

import duckdb

from ghintel_api.core.lake import Lake
from ghintel_api.core.windows import Window, window_span
from ghintel_api.models import TrendingPublic, TrendingRepo
from ghintel_api.queries.coverage import span_coverage

_COLUMNS = """rank, repo_id, repo_name, score, coalesce(stars, 0) AS stars, coalesce(forks, 0) AS forks,
    stargazers, contributors, star_component, fork_component, activity_component, velocity_per_hour,
    prev_window_stars, velocity_change, explanation"""


def trending_repos(
    lake: Lake, cur: duckdb.DuckDBPyConnection, window: Window, as_of: datetime | None, limit: int
) -> TrendingPublic:
    """The ranking at ``as_of`` or, when gold has none for that hour, at the latest hour before it."""
    table = lake.rel("repo_trending")
    ranked_at = None
    if as_of is not None:
        (row,) = lake.query(
            cur,
            f'SELECT max(as_of) AS at FROM {table} WHERE "window" = ? AND as_of <= ?',
            [window.value, as_of],
        )
        ranked_at = row["at"]
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
        coverage=span_coverage(lake, span),
        data=[TrendingRepo(**row) for row in rows],
    )
