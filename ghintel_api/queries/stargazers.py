"""Stargazers of a repository in a span, with their dim_actors account signals, and the other
repositories the same accounts starred in that span (lockstep co-starring).

Stars come from silver WatchEvents (gold has no per-actor stars at hour grain); the account rules
(is_low_activity, actor_id_percentile) are gold's dim_actors columns, defined once in dbt.
"""

from __future__ import annotations

import duckdb
import pyarrow.compute as pc

from ghintel_api.agent_models import CoStarredRepo, Stargazer, StargazersPublic
from ghintel_api.core.lake import Lake, LakeNotReady
from ghintel_api.core.windows import Span
from ghintel_api.queries.coverage import span_coverage
from ghintel_api.queries.events import _text, _ts

_SOURCE = "stargazers_silver"
_STARS = f"""CREATE OR REPLACE TEMP TABLE _stars AS
SELECT actor_id, arg_min(actor_login, created_at) AS login, repo_name,
       CAST(min(created_at) AS TIMESTAMP) AS starred_at
FROM {_SOURCE} GROUP BY actor_id, repo_name"""
_MINE = """SELECT s.actor_id, s.login, s.starred_at, a.events, a.repos, a.active_days,
       a.is_low_activity, a.actor_id_percentile
FROM _stars s LEFT JOIN {actors} a USING (actor_id)
WHERE s.repo_name = ? ORDER BY s.starred_at, s.actor_id LIMIT ?"""
_CO_STARRED = """SELECT other.repo_name, count(*)::BIGINT AS shared_stargazers,
       CAST(min(other.starred_at) AS TIMESTAMP) AS first_starred_at,
       CAST(max(other.starred_at) AS TIMESTAMP) AS last_starred_at
FROM _stars mine JOIN _stars other ON other.actor_id = mine.actor_id AND other.repo_name <> mine.repo_name
WHERE mine.repo_name = ?
GROUP BY other.repo_name HAVING count(*) >= ? ORDER BY shared_stargazers DESC, other.repo_name LIMIT ?"""


def repo_stargazers(
    lake: Lake,
    cur: duckdb.DuckDBPyConnection,
    repo_name: str,
    span: Span,
    *,
    limit: int,
    min_shared: int,
) -> StargazersPublic:
    dataset = lake.silver_dataset
    if dataset is None:
        raise LakeNotReady("silver github_events is not available yet")
    source = dataset.filter(
        (_text("event_type") == "WatchEvent")
        & (pc.field("created_at") >= _ts(span.first_hour))
        & (pc.field("created_at") < _ts(span.end))
        & (pc.field("event_date") >= span.first_hour.date())
        & (pc.field("event_date") <= span.last_hour.date())
    )
    cur.register(_SOURCE, source)
    try:
        cur.execute(_STARS)
    finally:
        cur.unregister(_SOURCE)
    try:
        rows = lake.query(cur, _MINE.format(actors=lake.rel("dim_actors")), [repo_name, limit])
        (total,) = cur.execute("SELECT count(*) FROM _stars WHERE repo_name = ?", [repo_name]).fetchone()
        co = lake.query(cur, _CO_STARRED, [repo_name, min_shared, 20])
    finally:
        cur.execute("DROP TABLE IF EXISTS _stars")
    return StargazersPublic(
        repo=repo_name,
        since=span.first_hour,
        until=span.end,
        stargazers=total,
        low_activity=sum(1 for r in rows if r["is_low_activity"]),
        data=[Stargazer(**r) for r in rows],
        co_starred=[CoStarredRepo(**r) for r in co],
        coverage=span_coverage(lake, span),
    )
