"""Actor activity per (event_hour, actor) and per (event_hour, org, actor), derived from silver.

Why it exists: the gold marts count actors per *day* and never per org, but the API offers
``/actors/top?window=1h`` and an org's top actors and distinct actor count for any window. These
tables are the smallest thing that answers both exactly; its metric definitions are the ones of
``fct_actor_activity_daily`` (see docs/api.md). It is rebuilt one event_date partition at a time,
only for partitions whose Delta files changed since the last refresh.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import pyarrow as pa
from deltalake import DeltaTable

from ghintel_pipeline.lib.lake.storage import table_dataset

TABLE = "api_actor_hourly"
ORG_TABLE = "api_org_actor_hourly"

_MEASURES = """events BIGINT, pushes BIGINT, commits BIGINT, prs_opened BIGINT, prs_merged BIGINT,
    reviews BIGINT, comments BIGINT, issues_opened BIGINT"""
_SUMS = """sum(events), sum(pushes), sum(commits), sum(prs_opened), sum(prs_merged), sum(reviews),
    sum(comments), sum(issues_opened)"""

# One scan of the changed silver partitions, grouped to (hour, org, actor) in a temp table, feeds
# both tables; each is inserted in the order its queries filter on, so zone maps skip the rest.
_AGGREGATE = """
CREATE OR REPLACE TEMP TABLE _actor_agg AS
SELECT event_date, CAST(event_hour AS TIMESTAMP) AS event_hour, org_login, actor_login,
       bool_or(coalesce(is_bot, false)) AS is_bot,
       count(*) AS events,
       count(*) FILTER (WHERE event_type = 'PushEvent') AS pushes,
       sum(commit_count) FILTER (WHERE event_type = 'PushEvent') AS commits,
       count(*) FILTER (WHERE event_type = 'PullRequestEvent' AND action = 'opened') AS prs_opened,
       count(*) FILTER (WHERE event_type = 'PullRequestEvent' AND action = 'closed' AND merged IS TRUE)
           AS prs_merged,
       count(*) FILTER (WHERE category = 'review') AS reviews,
       count(*) FILTER (WHERE category = 'comment') AS comments,
       count(*) FILTER (WHERE event_type = 'IssuesEvent' AND action = 'opened') AS issues_opened
FROM _src_silver_part
GROUP BY ALL
"""
_FILL = f"""
INSERT INTO {TABLE}
SELECT event_date, event_hour, actor_login, bool_or(is_bot), {_SUMS}
FROM _actor_agg GROUP BY event_date, event_hour, actor_login ORDER BY event_hour, actor_login;
INSERT INTO {ORG_TABLE}
SELECT event_date, event_hour, org_login, actor_login, is_bot, events, pushes, commits, prs_opened,
       prs_merged, reviews, comments, issues_opened
FROM _actor_agg WHERE org_login IS NOT NULL ORDER BY org_login, event_hour, actor_login;
DROP TABLE _actor_agg;
"""


def create(cur: duckdb.DuckDBPyConnection) -> None:
    cur.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (event_date DATE, event_hour TIMESTAMP, actor_login VARCHAR, "
        f"is_bot BOOLEAN, {_MEASURES})"
    )
    cur.execute(
        f"CREATE TABLE IF NOT EXISTS {ORG_TABLE} (event_date DATE, event_hour TIMESTAMP, "
        f"org_login VARCHAR, actor_login VARCHAR, is_bot BOOLEAN, {_MEASURES})"
    )


def files_by_partition(dt: DeltaTable) -> dict[str, frozenset[str]]:
    """event_date partition value -> its set of data files (a changed set means changed data)."""
    actions = pa.table(dt.get_add_actions(flatten=True)).to_pydict()
    key = "partition.event_date"
    grouped: dict[str, set[str]] = defaultdict(set)
    partitions = actions.get(key) or [None] * len(actions["path"])
    for path, value in zip(actions["path"], partitions, strict=True):
        grouped[str(value)].add(path)
    return {k: frozenset(v) for k, v in grouped.items()}


def row_count(dt: DeltaTable) -> int:
    """Rows of the table's current version, from the Delta log's per-file statistics."""
    counts = pa.table(dt.get_add_actions(flatten=True)).column("num_records").to_pylist()
    return int(sum(c or 0 for c in counts))


def refresh_partitions(cur: duckdb.DuckDBPyConnection, dt: DeltaTable, partitions: list[str]) -> int:
    """Replace the aggregate rows of the given event_date partitions; returns the table's row count.

    Delete and insert run in one transaction so concurrent readers see either the old or the new
    rows of a day, never a day missing.
    """
    if partitions:
        present = [p for p in partitions if p != "None"]
        cur.execute("BEGIN TRANSACTION")
        try:
            for table in (TABLE, ORG_TABLE):
                cur.execute(f"DELETE FROM {table} WHERE CAST(event_date AS VARCHAR) = ANY(?)", [partitions])
            if present:
                cur.register(
                    "_src_silver_part", table_dataset(dt, partitions=[("event_date", "in", present)])
                )
                try:
                    cur.execute(_AGGREGATE)
                finally:
                    cur.unregister("_src_silver_part")
                cur.execute(_FILL)
            cur.execute("COMMIT")
        except Exception:
            cur.execute("ROLLBACK")
            raise
    (rows,) = cur.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
    return rows
