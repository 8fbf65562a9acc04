"""Raw enriched events from silver, newest first, keyset-paginated on (created_at, event_id).

A page reads only the silver files it needs (see ``core/event_files.py``): newest files first, each
with the page's filters pushed into the Parquet scan, until no further file can hold a row newer
than the page's last one. DuckDB is not involved: an ``ORDER BY ... LIMIT`` over the Arrow dataset
scanned every matching file of the lake for every page.
"""

from __future__ import annotations

import functools
import operator
import time
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ghintel_api.core.cursors import decode_cursor, encode_cursor
from ghintel_api.core.event_files import EVENT_COLUMNS
from ghintel_api.core.lake import Lake, LakeNotReady, QueryTimeout
from ghintel_api.core.rollups import hours_with_events
from ghintel_api.models import Event, EventsPage
from ghintel_api.queries.common import as_utc
from ghintel_pipeline.lib.arrow_types import UTC_US

# Files written this long before the hourly mart's commit are surely counted in it.
_INDEX_SLACK = timedelta(hours=1)
_ORDER = [("created_at", "descending"), ("event_id", "descending")]


def _text(column: str) -> pc.Expression:
    # delta-rs writes string_view Parquet columns under a `string` table schema; Arrow has no
    # string/string_view comparison kernel, so compare on the column cast to the schema's type.
    return pc.field(column).cast(pa.string())


def _ts(value: datetime) -> pa.Scalar:
    return pa.scalar(as_utc(value), type=UTC_US)


def _repo_hours(
    lake: Lake, cur: duckdb.DuckDBPyConnection, repo: str
) -> tuple[list[datetime], datetime] | None:
    """The hours gold counts events of ``repo`` in, and the newest file write gold surely saw."""
    state = lake.tables["fct_repo_activity_hourly"]
    if state.physical is None or state.last_commit is None:
        return None
    index = lake.rollups.get("repo_hours")  # the mart's rows by repository (core/rollups.py)
    if index is not None:
        return hours_with_events(index, repo), state.last_commit - _INDEX_SLACK
    rows = lake.query(
        cur,
        f"SELECT event_hour FROM {state.physical} WHERE repo_name = ? AND events > 0 ORDER BY event_hour",
        [repo],
    )
    return [r["event_hour"] for r in rows], state.last_commit - _INDEX_SLACK


def _newest(parts: list[pa.Table], n: int) -> pa.Table:
    """The ``n`` newest rows of ``parts`` in page order (created_at, event_id descending)."""
    merged = parts[0] if len(parts) == 1 else pa.concat_tables(parts)
    return merged.sort_by(_ORDER).slice(0, n)


def list_events(
    lake: Lake,
    cur: duckdb.DuckDBPyConnection,
    *,
    limit: int,
    cursor_key: bytes,
    repo: str | None = None,
    actor: str | None = None,
    event_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cursor: str | None = None,
) -> EventsPage:
    dataset, files = lake.silver_dataset, lake.silver_files
    if dataset is None:
        raise LakeNotReady("silver github_events is not available yet")
    # A cursor continues exactly one query: bound to every filter (not to the page size).
    filters = "|".join(str(v) for v in (repo, actor, event_type, since, until))
    # Filters are Arrow expressions applied by the Parquet scan; values never become SQL.
    conditions = []
    newest_wanted, oldest_wanted = None, since
    if since is not None:
        conditions.append(pc.field("created_at") >= _ts(since))
    if until is not None:
        conditions.append(pc.field("created_at") < _ts(until))
        newest_wanted = until
    if cursor is not None:
        at, event_id = decode_cursor(cursor_key, filters, cursor)
        same_time = (pc.field("created_at") == _ts(at)) & (_text("event_id") < event_id)
        conditions.append((pc.field("created_at") < _ts(at)) | same_time)
        newest_wanted = at if newest_wanted is None else min(newest_wanted, at)
    for column, value in (("actor_login", actor), ("event_type", event_type)):
        if value is not None:
            conditions.append(_text(column) == value)
    predicate = functools.reduce(operator.and_, conditions) if conditions else None
    # the repository filter goes to the file cache apart: it finds the rows by an index
    by_repo = (repo, _text("repo_name") == repo) if repo is not None else None
    index = _repo_hours(lake, cur, repo) if repo is not None else None
    wanted = limit + 1
    deadline = time.perf_counter() + lake.query_timeout_s
    full: pa.Table | None = None  # the newest `wanted` rows, sorted, once that many were read
    parts: list[pa.Table] = []  # what was read (after `full`: it and the files read since)
    read = 0
    for file in files:
        if newest_wanted is not None and file.oldest > newest_wanted:
            continue
        if oldest_wanted is not None and file.newest < oldest_wanted:
            continue
        if index is not None and file.written <= index[1] and not file.touches(index[0]):
            continue
        # Later files hold nothing newer than file.newest: the page is complete once its last row
        # is strictly newer than that.
        if full is not None and full["created_at"][-1].as_py() > file.newest:
            break
        if time.perf_counter() > deadline:
            raise QueryTimeout(f"query exceeded {lake.query_timeout_s:g}s")
        part = lake.event_file_cache.read(file, dataset.schema, EVENT_COLUMNS, predicate, by_repo)
        if part.num_rows == 0:
            continue
        parts.append(part)
        read += part.num_rows
        if read >= wanted:  # sorted only when the stop test above can use the result
            full = _newest(parts, wanted)
            parts, read = [full], full.num_rows
    best = _newest(parts, wanted) if parts else None
    rows = best.to_pylist() if best is not None else []
    for row in rows:
        row["created_at"] = row["created_at"].astimezone(UTC)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor(cursor_key, filters, page[-1]["created_at"], page[-1]["event_id"])
    return EventsPage(data=[Event(**r) for r in page], next_cursor=next_cursor)
