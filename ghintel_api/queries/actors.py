"""Top actors over any window: whole days from gold ``fct_actor_activity_daily``, the partial days at
the window's edges from ``fct_actor_activity_hourly``, everything per org from
``fct_org_actor_activity_hourly``; one actor's activity per hour or day from the same marts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum

import duckdb

from ghintel_api.core.lake import Lake
from ghintel_api.core.rollups import org_top_actors, ranked_actors, top_actors_summed
from ghintel_api.core.windows import Granularity, Span, Window, window_span
from ghintel_api.history_models import ActorActivityPublic, ActorActivityTotals
from ghintel_api.models import TopActor
from ghintel_api.queries.coverage import series_fields


class ActorMetric(StrEnum):
    events = "events"
    pushes = "pushes"
    prs = "prs"
    reviews = "reviews"


_ORDER_COLUMN = {
    ActorMetric.events: "events",
    ActorMetric.pushes: "pushes",
    ActorMetric.prs: "prs_opened",
    ActorMetric.reviews: "reviews",
}
_MEASURES = "events, pushes, commits, prs_opened, prs_merged, reviews, comments, issues_opened"


# gold api_top_actors (dbt_project/models/marts/api): the ranking of each covered hour per window
ROLLUP = "api_top_actors"
_ROLLUP_WINDOWS = {1: "1h", 24: "24h", 168: "7d"}  # window hours -> the rollup's window
_RANK_COLUMN = {
    ActorMetric.events: "rank_events",
    ActorMetric.pushes: "rank_pushes",
    ActorMetric.prs: "rank_prs",
    ActorMetric.reviews: "rank_reviews",
}


def top_actors(
    lake: Lake,
    cur: duckdb.DuckDBPyConnection,
    span: Span,
    *,
    metric: ActorMetric = ActorMetric.events,
    include_bots: bool = False,
    limit: int = 10,
) -> list[TopActor]:
    """The top actors of the window: read ranked from the rollup when it holds the whole answer,
    else summed from the activity marts (30d, an hour the rollup did not score, a deep limit)."""
    rows = _ranked_in_rollup(lake, cur, span, metric, include_bots, limit)
    if rows is None:
        return top_actors_counted(lake, cur, span, metric=metric, include_bots=include_bots, limit=limit)[0]
    return [TopActor(rank=i, **row) for i, row in enumerate(rows, start=1)]


def _ranked_in_rollup(
    lake: Lake,
    cur: duckdb.DuckDBPyConnection,
    span: Span,
    metric: ActorMetric,
    include_bots: bool,
    limit: int,
) -> list[dict] | None:
    """The first ``limit`` actors of the rollup's ranking, or None when it cannot tell them all.

    The rollup keeps the top ``api_top_actors_top_n`` of each ranking and no rows at all for an hour
    it did not score, so fewer rows than ``limit`` means "ask the marts" (which then also covers a
    window with fewer ranked actors than ``limit``: the same answer, summed).
    """
    window = _ROLLUP_WINDOWS.get(span.hours)
    if window is None or not lake.has(ROLLUP):
        return None
    rank = _RANK_COLUMN[metric]
    if "ranked_actors" in lake.rollups:
        rows = ranked_actors(lake.rollups["ranked_actors"], span.last_hour, window, include_bots, rank, limit)
        return rows if len(rows) == limit else None
    rows = lake.query(
        cur,
        f"""SELECT login, is_bot, {_MEASURES} FROM {lake.rel(ROLLUP)}
            WHERE as_of = ? AND "window" = ? AND include_bots = ? AND {rank} <= ?
            ORDER BY {rank}""",
        [span.last_hour, window, include_bots, limit],
    )
    return rows if len(rows) == limit else None


def top_actors_counted(
    lake: Lake,
    cur: duckdb.DuckDBPyConnection,
    span: Span,
    *,
    metric: ActorMetric = ActorMetric.events,
    include_bots: bool = False,
    limit: int = 10,
    org: str | None = None,
) -> tuple[list[TopActor], int]:
    """The top actors, and how many distinct actors matched at all (one query for both; an org's
    from the rollup index of ``fct_org_actor_activity_hourly`` when it is built)."""
    order = _ORDER_COLUMN[metric]
    indexed = None
    if org is not None and "org_actor_hours" in lake.rollups:
        indexed = org_top_actors(
            lake.rollups["org_actor_hours"], org, span, order=order, include_bots=include_bots, limit=limit
        )
    elif org is None and "actor_windows" in lake.rollups:
        indexed = top_actors_summed(
            lake.rollups["actor_windows"], span, order=order, include_bots=include_bots, limit=limit
        )
    if indexed is not None:
        rows, matched = indexed
        return [TopActor(rank=i, **row) for i, row in enumerate(rows, start=1)], matched
    bots = "" if include_bots else " AND NOT coalesce(is_bot, false)"
    full_days = span.full_days() if org is None and lake.has("fct_actor_activity_daily") else None
    source = lake.rel("fct_actor_activity_hourly" if org is None else "fct_org_actor_activity_hourly")
    hourly = f"""SELECT actor_login, is_bot, {_MEASURES} FROM {source}
                 WHERE event_hour >= ? AND event_hour < ?{bots}"""
    params: list = [span.first_hour, span.end]
    if org is not None:
        hourly += " AND org_login = ?"
        params.append(org)
    if full_days is not None:
        hourly += " AND NOT (event_date BETWEEN ? AND ?)"
        params += [full_days[0], full_days[1]]
        hourly += f""" UNION ALL
            SELECT actor_login, is_bot, {_MEASURES} FROM {lake.rel("fct_actor_activity_daily")}
            WHERE event_date BETWEEN ? AND ?{bots}"""
        params += [full_days[0], full_days[1]]
    sql = f"""
        SELECT actor_login AS login, coalesce(bool_or(is_bot), false) AS is_bot,
               sum(events)::BIGINT AS events, sum(pushes)::BIGINT AS pushes, sum(commits)::BIGINT AS commits,
               sum(prs_opened)::BIGINT AS prs_opened, sum(prs_merged)::BIGINT AS prs_merged,
               sum(reviews)::BIGINT AS reviews, sum(comments)::BIGINT AS comments,
               sum(issues_opened)::BIGINT AS issues_opened, count(*) OVER () AS matched
        FROM ({hourly}) AS parts
        GROUP BY actor_login
        HAVING sum({order}) > 0
        ORDER BY sum({order}) DESC, login
        LIMIT ?"""
    rows = lake.query(cur, sql, [*params, limit])
    matched = rows[0].pop("matched") if rows else 0
    for row in rows[1:]:
        row.pop("matched")
    return [TopActor(rank=i, **row) for i, row in enumerate(rows, start=1)], matched


def actor_exists(lake: Lake, cur: duckdb.DuckDBPyConnection, login: str) -> bool:
    rows = lake.query(cur, f"SELECT 1 FROM {lake.rel('dim_actors')} WHERE login = ? LIMIT 1", [login])
    return bool(rows)


_ACTOR_COUNTS = (
    "events",
    "pushes",
    "prs_opened",
    "prs_merged",
    "reviews",
    "comments",
    "issues_opened",
    "stars",
    "forks",
)


def actor_activity(
    lake: Lake,
    cur: duckdb.DuckDBPyConnection,
    login: str,
    window: Window,
    as_of: datetime | None,
    granularity: Granularity,
) -> ActorActivityPublic:
    """An actor's activity per hour (gold ``fct_actor_activity_hourly``) or per UTC day
    (``fct_actor_activity_daily``) over the window; day buckets are whole days, so the first one
    may start before the window's first hour."""
    span = window_span(window, as_of) if as_of is not None else None
    if span is not None and granularity is Granularity.day:
        span = Span(first_hour=span.first_hour.replace(hour=0), last_hour=span.last_hour)
    totals = ActorActivityTotals(**dict.fromkeys(_ACTOR_COUNTS, 0))
    found: dict[datetime, dict] = {}
    if span is not None:
        if granularity is Granularity.hour:
            table, bucket, bounds = (
                "fct_actor_activity_hourly",
                "event_hour",
                [span.first_hour, span.last_hour],
            )
        else:
            table, bucket = "fct_actor_activity_daily", "event_date"
            bounds = [span.first_hour.date(), span.last_hour.date()]
        sums = ", ".join(f"coalesce(sum({c}), 0)::BIGINT AS {c}" for c in _ACTOR_COUNTS)
        rows = lake.query(
            cur,
            f"""SELECT {bucket} AS bucket, {sums}, sum(commits)::BIGINT AS commits,
                       sum(repos)::BIGINT AS repos
                FROM {lake.rel(table)}
                WHERE actor_login = ? AND {bucket} BETWEEN ? AND ?
                GROUP BY bucket""",
            [login, *bounds],
        )
        found = {_bucket_start(r.pop("bucket")): r for r in rows}
        commits = [r["commits"] for r in rows if r["commits"] is not None]
        totals = ActorActivityTotals(
            **{c: sum(r[c] for r in rows) for c in _ACTOR_COUNTS}, commits=sum(commits) if commits else None
        )
    zero = {**dict.fromkeys(_ACTOR_COUNTS, 0), "commits": None, "repos": 0}
    return ActorActivityPublic(
        login=login,
        window=window.value,
        as_of=as_of,
        totals=totals,
        **series_fields(lake, span, granularity, found, zero),
    )


def _bucket_start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(), UTC)
