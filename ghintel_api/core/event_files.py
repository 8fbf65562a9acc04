"""The silver files ``/events`` pages are read from, newest first, with their created_at ranges.

A keyset page (``created_at, event_id`` descending, below the cursor) needs only the newest files
below the cursor: files are read one at a time in order of their newest event, and the walk stops
as soon as the page's last row is newer than anything the next file can hold. The ranges come from
the Delta log's per-file statistics (``min/max.created_at`` of the add actions), so choosing files
costs no I/O; a file without statistics is treated as spanning all time (always read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.dataset as pa_ds
from deltalake import DeltaTable

from ghintel_api.core.windows import MAX_TIME, MIN_TIME

# Delta statistics keep milliseconds; widen the upper bound so a truncated maximum still covers it.
_STAT_SLACK = timedelta(milliseconds=1)


@dataclass(frozen=True)
class EventFile:
    newest: datetime  # >= every created_at in the file
    oldest: datetime  # <= every created_at in the file
    rows: int
    fragment: pa_ds.Fragment


def _utc(value: datetime | None, default: datetime) -> datetime:
    if value is None:
        return default
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def event_files(dt: DeltaTable, dataset: pa_ds.Dataset) -> list[EventFile]:
    """Every live file of ``dataset`` (a snapshot of ``dt``), newest first."""
    actions = pa.table(dt.get_add_actions(flatten=True))
    names = set(actions.schema.names)
    columns = {
        key: actions.column(key).to_pylist() if key in names else [None] * actions.num_rows
        for key in ("path", "num_records", "min.created_at", "max.created_at")
    }
    ranges = zip(columns["min.created_at"], columns["max.created_at"], columns["num_records"], strict=True)
    stats = dict(zip(columns["path"], ranges, strict=True))
    out = []
    for fragment in dataset.get_fragments():
        low, high, rows = stats.get(fragment.path, (None, None, None))
        newest = MAX_TIME if high is None else _utc(high, MAX_TIME) + _STAT_SLACK
        out.append(EventFile(newest, _utc(low, MIN_TIME), rows or 0, fragment))
    out.sort(key=lambda f: f.newest, reverse=True)
    return out
