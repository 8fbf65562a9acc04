"""Actor activity per (event_hour, org, actor), derived from silver inside the API process.

Why it exists: the gold marts count actors per *day* and never per org, but the API offers
``/actors/top?window=1h`` and an org's top actors and distinct actor count for any window. This
table is the smallest thing that answers both exactly; its metric definitions are the ones of
``fct_actor_activity_daily`` (see docs/api.md). It is rebuilt one event_date partition at a time,
only for partitions whose Delta files changed since the last refresh.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import pyarrow as pa
from deltalake import DeltaTable

TABLE = "api_actor_org_hourly"

_COLUMNS = """
    event_date DATE, event_hour TIMESTAMPTZ, org_login VARCHAR, actor_login VARCHAR, is_bot BOOLEAN,
    events BIGINT, pushes BIGINT, commits BIGINT, prs_opened BIGINT, prs_merged BIGINT,
    reviews BIGINT, comments BIGINT, issues_opened BIGINT
"""

_AGGREGATE = f"""
INSERT INTO {TABLE}
SELECT event_date, event_hour, org_login, actor_login, bool_or(coalesce(is_bot, false)),
       count(*),
       count(*) FILTER (WHERE event_type = 'PushEvent'),
       sum(commit_count) FILTER (WHERE event_type = 'PushEvent'),
       count(*) FILTER (WHERE event_type = 'PullRequestEvent' AND action = 'opened'),
       count(*) FILTER (WHERE event_type = 'PullRequestEvent' AND action = 'closed' AND merged IS TRUE),
       count(*) FILTER (WHERE category = 'review'),
       count(*) FILTER (WHERE category = 'comment'),
       count(*) FILTER (WHERE event_type = 'IssuesEvent' AND action = 'opened')
FROM _src_silver_part
GROUP BY event_date, event_hour, org_login, actor_login
"""


def create(cur: duckdb.DuckDBPyConnection) -> None:
    cur.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({_COLUMNS})")


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
            cur.execute(f"DELETE FROM {TABLE} WHERE CAST(event_date AS VARCHAR) = ANY(?)", [partitions])
            if present:
                cur.register(
                    "_src_silver_part", dt.to_pyarrow_dataset(partitions=[("event_date", "in", present)])
                )
                try:
                    cur.execute(_AGGREGATE)
                finally:
                    cur.unregister("_src_silver_part")
            cur.execute("COMMIT")
        except Exception:
            cur.execute("ROLLBACK")
            raise
    (rows,) = cur.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
    return rows
