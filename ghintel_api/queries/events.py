"""Raw enriched events from silver, newest first, keyset-paginated on (created_at, event_id)."""

from __future__ import annotations

import functools
import operator
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ghintel_api.core.cursors import decode_cursor, encode_cursor
from ghintel_api.core.lake import Lake, LakeNotReady
from ghintel_api.models import Event, EventsPage
from ghintel_api.queries.common import as_utc

_COLUMNS = """event_id, event_type, category, action, CAST(created_at AS TIMESTAMP) AS created_at,
    actor_login, is_bot, repo_name, org_login, ref, ref_type, number, commit_count, merged, source"""
_SOURCE = "silver_events"


def _text(column: str) -> pc.Expression:
    # delta-rs writes string_view Parquet columns under a `string` table schema; Arrow has no
    # string/string_view comparison kernel, so compare on the column cast to the schema's type.
    return pc.field(column).cast(pa.string())


def _ts(value: datetime) -> pa.Scalar:
    return pa.scalar(as_utc(value), type=pa.timestamp("us", tz="UTC"))


def list_events(
    lake: Lake,
    cur: duckdb.DuckDBPyConnection,
    *,
    repo: str | None,
    actor: str | None,
    event_type: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    cursor: str | None,
    cursor_key: bytes,
) -> EventsPage:
    dataset = lake.silver_dataset
    if dataset is None:
        raise LakeNotReady("silver github_events is not available yet")
    # A cursor continues exactly one query: bound to every filter (not to the page size).
    filters = "|".join(str(v) for v in (repo, actor, event_type, since, until))
    # Filters are Arrow expressions applied by the dataset scan itself (partition pruning on
    # event_date, row filters on the rest): DuckDB's own pushdown of bound string parameters
    # into Arrow scans fails (string vs string_view kernels), and values never become SQL.
    conditions = []
    if since is not None:
        conditions += [pc.field("created_at") >= _ts(since), pc.field("event_date") >= since.date()]
    if until is not None:
        conditions += [pc.field("created_at") < _ts(until), pc.field("event_date") <= until.date()]
    if cursor is not None:
        at, event_id = decode_cursor(cursor_key, filters, cursor)
        conditions += [
            (pc.field("created_at") < _ts(at))
            | ((pc.field("created_at") == _ts(at)) & (_text("event_id") < event_id)),
            pc.field("event_date") <= at.date(),
        ]
    for column, value in (("repo_name", repo), ("actor_login", actor), ("event_type", event_type)):
        if value is not None:
            conditions.append(_text(column) == value)
    source = dataset.filter(functools.reduce(operator.and_, conditions)) if conditions else dataset
    # Registered on this request's cursor only: registrations are per connection.
    cur.register(_SOURCE, source)
    try:
        rows = lake.query(
            cur,
            f"SELECT {_COLUMNS} FROM {_SOURCE} ORDER BY created_at DESC, event_id DESC LIMIT ?",
            [limit + 1],
        )
    finally:
        cur.unregister(_SOURCE)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor(cursor_key, filters, page[-1]["created_at"], page[-1]["event_id"])
    return EventsPage(data=[Event(**r) for r in page], next_cursor=next_cursor)
