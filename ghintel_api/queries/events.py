"""Raw enriched events from silver, newest first, keyset-paginated on (created_at, event_id)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta

import duckdb

from ghintel_api.core.lake import Lake, LakeNotReady
from ghintel_api.core.windows import MAX_TIME, MIN_TIME
from ghintel_api.models import Event, EventsPage
from ghintel_api.queries.common import as_utc

_COLUMNS = """event_id, event_type, category, action, CAST(created_at AS TIMESTAMP) AS created_at, actor_login, is_bot, repo_name,
    org_login, ref, ref_type, number, commit_count, merged, source"""
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
    where, params = ["true"], []
    # event_date conditions only prune partitions; created_at conditions are the exact filter.
    if since is not None:
        where += ["created_at >= ?", "event_date >= ?"]
        params += [since, since.date()]
    if until is not None:
        where += ["created_at < ?", "event_date <= ?"]
        params += [until, until.date()]
    if cursor is not None:
        at, event_id = decode_cursor(cursor)
        where += ["(created_at < ? OR (created_at = ? AND event_id < ?))", "event_date <= ?"]
        params += [at, at, event_id, at.date()]
    for column, value in (("repo_name", repo), ("actor_login", actor), ("event_type", event_type)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    # The dataset is registered on this request's cursor only: registrations are per connection.
    cur.register(_SOURCE, dataset)
    try:
        rows = lake.query(
            cur,
            f"""SELECT {_COLUMNS} FROM {_SOURCE} WHERE {" AND ".join(where)}
                ORDER BY created_at DESC, event_id DESC LIMIT ?""",
            [*params, limit + 1],
        )
    finally:
        cur.unregister(_SOURCE)
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1]["created_at"], page[-1]["event_id"]) if len(rows) > limit else None
    return EventsPage(data=[Event(**r) for r in page], next_cursor=next_cursor)
