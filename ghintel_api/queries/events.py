"""Raw enriched events from silver, newest first, keyset-paginated on (created_at, event_id)."""

from __future__ import annotations

import base64
import binascii
import functools
import operator
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ghintel_api.core.lake import Lake, LakeNotReady
from ghintel_api.core.windows import MAX_TIME, MIN_TIME
from ghintel_api.models import Event, EventsPage
from ghintel_api.queries.common import as_utc

_COLUMNS = """event_id, event_type, category, action, CAST(created_at AS TIMESTAMP) AS created_at,
    actor_login, is_bot, repo_name, org_login, ref, ref_type, number, commit_count, merged, source"""
_SOURCE = "silver_events"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BadCursor(ValueError):
    """A ``cursor`` that this API did not hand out (422)."""


def encode_cursor(created_at: datetime, event_id: str) -> str:
    micros = (as_utc(created_at) - _EPOCH) // timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"{micros}:{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        micros, event_id = raw.split(":", 1)
        if not event_id.isdigit() or len(event_id) > 40:
            raise ValueError(event_id)
        created_at = _EPOCH + timedelta(microseconds=int(micros))
        if not MIN_TIME <= created_at < MAX_TIME:
            raise ValueError(micros)
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError, OSError) as exc:
        raise BadCursor("cursor is not a value returned as next_cursor by this API") from exc
    return created_at, event_id


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
) -> EventsPage:
    dataset = lake.silver_dataset
    if dataset is None:
        raise LakeNotReady("silver github_events is not available yet")
    # Filters are Arrow expressions applied by the dataset scan itself (partition pruning on
    # event_date, row filters on the rest): DuckDB's own pushdown of bound string parameters
    # into Arrow scans fails (string vs string_view kernels), and values never become SQL.
    conditions = []
    if since is not None:
        conditions += [pc.field("created_at") >= _ts(since), pc.field("event_date") >= since.date()]
    if until is not None:
        conditions += [pc.field("created_at") < _ts(until), pc.field("event_date") <= until.date()]
    if cursor is not None:
        at, event_id = decode_cursor(cursor)
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
    next_cursor = encode_cursor(page[-1]["created_at"], page[-1]["event_id"]) if len(rows) > limit else None
    return EventsPage(data=[Event(**r) for r in page], next_cursor=next_cursor)
