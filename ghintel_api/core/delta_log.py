"""A cheap "did this Delta table change?" test for tables on a local filesystem.

Every commit (and checkpoint) adds a file to the table's ``_delta_log`` folder, which changes the
folder's modification time; a table deleted and written again is a new folder (new inode). So an
unchanged ``(inode, mtime)`` means an unchanged table, and one ``stat`` replaces the Delta log
listing of ``DeltaTable.update_incremental`` on the many checks where nothing happened.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import pyarrow as pa
from deltalake import DeltaTable

# A folder touched this recently is not trusted: on a filesystem with coarse timestamps a second
# commit within the same tick would leave the time unchanged.
_SETTLE_NS = 2_000_000_000


def log_stamp(uri: str) -> tuple[int, int] | None:
    """``(inode, mtime_ns)`` of the table's ``_delta_log`` folder; None when unknown or too fresh
    (object stores, missing folder, just written): then the caller asks Delta itself."""
    if "://" in uri and not uri.startswith("file://"):
        return None
    path = os.path.join(uri.removeprefix("file://"), "_delta_log")
    try:
        st = os.stat(path)
    except OSError:
        return None
    if time.time_ns() - st.st_mtime_ns < _SETTLE_NS:
        return None
    return st.st_ino, st.st_mtime_ns


def row_count(dt: DeltaTable) -> int:
    """Rows of the table's current version, from the Delta log's per-file statistics."""
    counts = pa.table(dt.get_add_actions(flatten=True)).column("num_records").to_pylist()
    return int(sum(c or 0 for c in counts))


def last_commit_time(dt: DeltaTable) -> datetime | None:
    history = dt.history(1)
    if not history or "timestamp" not in history[0]:
        return None
    return datetime.fromtimestamp(history[0]["timestamp"] / 1000, tz=UTC)
