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

# the silver columns an /events page answers with (what the file cache decodes)
EVENT_COLUMNS = [
    "event_id",
    "event_type",
    "category",
    "action",
    "created_at",
    "actor_login",
    "is_bot",
    "repo_name",
    "org_login",
    "ref",
    "ref_type",
    "number",
    "commit_count",
    "merged",
    "source",
]
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
class RepoRanges:
    """Where each repository's rows are in a decoded file grouped by repository."""

    ranges: dict[str, tuple[int, int]]  # repo_name -> (first row, row count)

    @classmethod
    def group(cls, table: pa.Table) -> tuple[pa.Table, RepoRanges]:
        """``table`` with each repository's rows together, and the row range of every repository.

        Grouped by the repository's dictionary code (an integer sort; a sort on the names and
        times cost several ms per cold file); the page sorts the few rows it takes anyway."""
        encoded = table["repo_name"].cast(pa.string()).combine_chunks().dictionary_encode()
        order = pc.array_sort_indices(encoded.indices, null_placement="at_end")
        runs = pc.run_end_encode(encoded.indices.take(order))  # one run per repository code
        names = encoded.dictionary.to_pylist()
        ranges, start = {}, 0
        for code, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist(), strict=True):
            if code is not None:
                ranges[names[code]] = (start, end - start)
            start = end
        return table.take(order), cls(ranges)

    @property
    def nbytes(self) -> int:
        return 96 * len(self.ranges)

    def rows(self, table: pa.Table, repo: str) -> pa.Table:
        """The repository's rows of the grouped ``table`` (a zero-copy slice)."""
        start, count = self.ranges.get(repo, (0, 0))
        return table.slice(start, count)


class FileCache:
    """Decoded files (all ``/events`` columns) by path, least recently used out past ``max_bytes``.

    Delta files never change once written, so an entry never goes stale; a page over cached files
    filters a few thousand rows in memory instead of decoding Parquet. For a repository filter a
    file is re-ordered once so that each repository's rows are together, on first use, and the
    repositories' row ranges kept: a repository's rows are then a slice. That
    replaced a comparison over the file's dictionary codes and a filter per file (~0.1 ms each, a
    page reads ~12 files on the bench lake), which had replaced an Arrow string filter (~0.8 ms).
    """

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._tables: OrderedDict[str, pa.Table] = OrderedDict()
        self._repo_ranges: dict[str, RepoRanges] = {}
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
        """The file's rows matching ``predicate`` and, when given, of the repository ``repo``
        (in no particular order)."""
        path = file.fragment.path
        with self._lock:
            table = self._tables.get(path)
            ranges = self._repo_ranges.get(path)
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
            if ranges is None:
                table, ranges = RepoRanges.group(table)
                with self._lock:
                    if path in self._tables and path not in self._repo_ranges:
                        # the same rows in another order: the cached table is replaced, not doubled
                        self._tables[path] = table
                        self._repo_ranges[path] = ranges
                        self._bytes += ranges.nbytes
                        self._evict()
            table = ranges.rows(table, repo[0])
        return table if predicate is None else table.filter(predicate)

    def warm(self, files: list[EventFile], schema: pa.Schema, columns: list[str]) -> tuple[int, int]:
        """Decode (grouped by repository) the newest of ``files`` (newest first) that fit in the
        cache, so the first pages after a load find them; returns (files decoded, bytes cached).

        A cold file cost its first pages ~10 ms each in every worker: the tail of ``/events``
        (p99 223-235 ms over HTTP on the bench lake right after start, 40-55 ms warm). Files
        already cached are kept, not decoded again; the newest end up most recently used."""
        if self.max_bytes == 0:
            return 0, 0
        with self._lock:
            cached = {
                path: self._tables[path].nbytes + ranges.nbytes for path, ranges in self._repo_ranges.items()
            }
        chosen: list[tuple[str, tuple[pa.Table, RepoRanges] | None]] = []
        total = rows = 0
        for file in files:
            path = file.fragment.path
            if path in cached:
                size, entry = cached[path], None
            else:
                # a file that surely does not fit (by the bytes per row seen so far) is not decoded:
                # with a full cache every reload would decode one file only to drop it
                if rows and total + file.rows * total // rows > self.max_bytes:
                    break
                entry = RepoRanges.group(file.fragment.to_table(schema=schema, columns=columns))
                size = entry[0].nbytes + entry[1].nbytes
            if total + size > self.max_bytes:
                break
            rows += file.rows
            total += size
            chosen.append((path, entry))
        decoded = 0
        with self._lock:
            for path, entry in reversed(chosen):  # oldest first: the newest is used most recently
                if entry is None:
                    if path in self._tables:
                        self._tables.move_to_end(path)
                    continue
                if path in self._tables:
                    self._drop(path)
                table, ranges = entry
                self._tables[path] = table
                self._repo_ranges[path] = ranges
                self._bytes += table.nbytes + ranges.nbytes
                decoded += 1
            self._evict()
        return decoded, total

    def _drop(self, path: str) -> None:
        """One file out of the cache (with its ranges); under the lock."""
        dropped = self._tables.pop(path)
        self._bytes -= dropped.nbytes
        ranges = self._repo_ranges.pop(path, None)
        if ranges is not None:
            self._bytes -= ranges.nbytes

    def _evict(self) -> None:
        """Least recently used files out (with their ranges) until the cache fits; under the lock."""
        while self._bytes > self.max_bytes and len(self._tables) > 1:
            self._drop(next(iter(self._tables)))


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
