"""The silver files ``/events`` pages are read from, newest first, with their created_at ranges.

A keyset page (``created_at, event_id`` descending, below the cursor) needs only the newest files
below the cursor: files are read one at a time in order of their newest event, and the walk stops
as soon as the page's last row is newer than anything the next file can hold. The ranges come from
the Delta log's per-file statistics (``min/max.created_at`` of the add actions), so choosing files
costs no I/O; a file without statistics is treated as spanning all time (always read).

A repository filter also skips files with no hour in which gold's ``fct_repo_activity_hourly``
counts events of that repository, for files written well before that mart (an hour of slack for a
build that read silver before its commit); newer files are always read.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pa_ds
from deltalake import DeltaTable

from ghintel_api.core.windows import HOUR, MAX_TIME, MIN_TIME

# Delta statistics keep milliseconds; widen the upper bound so a truncated maximum still covers it.
_STAT_SLACK = timedelta(milliseconds=1)


@dataclass(frozen=True)
class EventFile:
    newest: datetime  # >= every created_at in the file
    oldest: datetime  # <= every created_at in the file
    rows: int
    written: datetime  # when the file was added (Delta add action modification time)
    fragment: pa_ds.Fragment

    def touches(self, hours: list[datetime]) -> bool:
        """Whether any of the sorted hour starts ``hours`` overlaps this file's created_at range."""
        first = bisect.bisect_right(hours, self.oldest - HOUR)
        return first < len(hours) and hours[first] <= self.newest


RepoFilter = tuple[str, pc.Expression]  # a repository name and the expression selecting its rows


@dataclass(frozen=True)
class RepoCodes:
    """A decoded file's repository column dictionary-encoded: each row's code, each name's code."""

    codes: pa.Array
    code_of: dict[str | None, int]

    @classmethod
    def of(cls, table: pa.Table) -> RepoCodes:
        encoded = table["repo_name"].cast(pa.string()).combine_chunks().dictionary_encode()
        names = encoded.dictionary.to_pylist()
        return cls(encoded.indices, {name: code for code, name in enumerate(names)})

    @property
    def nbytes(self) -> int:
        return self.codes.nbytes + 64 * len(self.code_of)

    def rows(self, table: pa.Table, repo: str) -> pa.Table:
        code = self.code_of.get(repo)
        if code is None:
            return table.slice(0, 0)
        return table.filter(pc.equal(self.codes, pa.scalar(code, self.codes.type)))


class FileCache:
    """Decoded files (all ``/events`` columns) by path, least recently used out past ``max_bytes``.

    Delta files never change once written, so an entry never goes stale; a page over cached files
    filters a few thousand rows in memory instead of decoding Parquet. A repository filter compares
    the file's dictionary codes of ``repo_name`` (encoded on first use, counted in the cache's bytes)
    instead of running an Arrow expression over the strings: that filter cost ~0.8 ms per file,
    about 60 % of a repository page.
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._tables: OrderedDict[str, pa.Table] = OrderedDict()
        self._repo_codes: dict[str, RepoCodes] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def read(
        self,
        file: EventFile,
        schema: pa.Schema,
        columns: list[str],
        predicate: pc.Expression | None,
        repo: RepoFilter | None = None,
    ) -> pa.Table:
        """The file's rows matching ``predicate`` and, when given, of the repository ``repo``."""
        path = file.fragment.path
        with self._lock:
            table = self._tables.get(path)
            if table is not None:
                self._tables.move_to_end(path)
        if table is None:
            if self.max_bytes == 0:
                full = predicate if repo is None else (repo[1] if predicate is None else repo[1] & predicate)
                return file.fragment.to_table(schema=schema, columns=columns, filter=full)
            table = file.fragment.to_table(schema=schema, columns=columns)
            with self._lock:
                if path not in self._tables:
                    self._tables[path] = table
                    self._bytes += table.nbytes
                self._evict()
        if repo is not None:
            codes = self._repo_codes.get(path)
            if codes is None:
                codes = RepoCodes.of(table)
                with self._lock:
                    if path in self._tables and path not in self._repo_codes:
                        self._repo_codes[path] = codes
                        self._bytes += codes.nbytes
                        self._evict()
            table = codes.rows(table, repo[0])
        return table if predicate is None else table.filter(predicate)

    def _evict(self) -> None:
        """Least recently used files out (with their index) until the cache fits; under the lock."""
        while self._bytes > self.max_bytes and len(self._tables) > 1:
            path, dropped = self._tables.popitem(last=False)
            self._bytes -= dropped.nbytes
            codes = self._repo_codes.pop(path, None)
            if codes is not None:
                self._bytes -= codes.nbytes


def _utc(value: datetime | None, default: datetime) -> datetime:
    if value is None:
        return default
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _written(millis: int | None) -> datetime:
    return MAX_TIME if millis is None else datetime.fromtimestamp(millis / 1000, tz=UTC)


def event_files(dt: DeltaTable, dataset: pa_ds.Dataset) -> list[EventFile]:
    """Every live file of ``dataset`` (a snapshot of ``dt``), newest first."""
    actions = pa.table(dt.get_add_actions(flatten=True))
    names = set(actions.schema.names)
    columns = {
        key: actions.column(key).to_pylist() if key in names else [None] * actions.num_rows
        for key in ("path", "num_records", "min.created_at", "max.created_at", "modification_time")
    }
    ranges = zip(
        columns["min.created_at"],
        columns["max.created_at"],
        columns["num_records"],
        columns["modification_time"],
        strict=True,
    )
    stats = dict(zip(columns["path"], ranges, strict=True))
    out = []
    for fragment in dataset.get_fragments():
        low, high, rows, written = stats.get(fragment.path, (None, None, None, None))
        newest = MAX_TIME if high is None else _utc(high, MAX_TIME) + _STAT_SLACK
        out.append(EventFile(newest, _utc(low, MIN_TIME), rows or 0, _written(written), fragment))
    out.sort(key=lambda f: f.newest, reverse=True)
    return out
