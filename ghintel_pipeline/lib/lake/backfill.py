"""GH Archive hour -> bronze (replacing that hour's rows) -> silver, without Kafka.

Re-running an hour is idempotent: bronze and quarantine rows of the hour are replaced with a
predicate overwrite in one commit each, and silver's insert-only merge keeps the events it has.
"""

from __future__ import annotations

import datetime as dt
import itertools
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Protocol

import orjson
import pyarrow as pa
import pyarrow.dataset as ds
from deltalake.exceptions import CommitFailedError

from ghintel_pipeline.lib.gharchive.hours import hour_url, is_hour_spec, parse_hour
from ghintel_pipeline.lib.gharchive.reader import event_lines
from ghintel_pipeline.lib.lake.faults import fault_point
from ghintel_pipeline.lib.lake.memory import tune_malloc
from ghintel_pipeline.lib.lake.silver import (
    BRONZE_READ_COLUMNS,
    MAX_CONFLICTS,
    SilverSummary,
    Validated,
    merge_events,
    validate_rows,
)
from ghintel_pipeline.lib.lake.storage import (
    BRONZE,
    BRONZE_SCHEMA,
    QUARANTINE,
    QUARANTINE_SCHEMA,
    SILVER,
    UTC_US,
    binary_array,
    ensure_table,
    table_dataset,
    write_table,
)
from ghintel_pipeline.lib.settings import Settings

BATCH_ROWS = 10_000
SILVER_CHUNK_ROWS = 20_000
# A trimmed 2025 hour (150-200k events) fits whole: measured, the read-back of what exceeded a
# 128 MiB budget peaked higher (795-983 MB) than holding the whole hour (661-771 MB).
CACHE_BYTES = 256 << 20


class WriteTurns(Protocol):
    """How concurrent hours take turns (lib/lake/backfill_hours.py): silver merges in order."""

    def silver(self, turn: int) -> AbstractContextManager[None]: ...


def _bronze_batches(
    hour: str, lines: Iterable[bytes], label: str, now: dt.datetime, counter: list[int]
) -> Iterator[tuple[pa.RecordBatch, list[bytes]]]:
    """Bronze batches of ``lines``, each with its lines as Python bytes (what the contract decodes:
    handing them on saves rebuilding them from the batch's buffer, a tenth of the validation)."""
    headers = orjson.dumps({"source": "gharchive", "file": label, "hour": hour}).decode()
    buf: list[bytes] = []

    def batch() -> pa.RecordBatch:
        n = len(buf)
        start = counter[0]
        counter[0] += n
        return pa.RecordBatch.from_pydict(
            {
                "value": binary_array(buf),
                "kafka_key": pa.nulls(n, pa.binary()),
                "kafka_topic": pa.nulls(n, pa.string()),
                "kafka_partition": pa.nulls(n, pa.int32()),
                "kafka_offset": pa.nulls(n, pa.int64()),
                "kafka_epoch": pa.nulls(n, pa.int32()),
                "kafka_timestamp": pa.nulls(n, UTC_US),
                "kafka_headers": pa.array([headers] * n, pa.string()),
                "source": pa.array(["gharchive"] * n, pa.string()),
                "gharchive_hour": pa.array([hour] * n, pa.string()),
                "line_number": pa.array(range(start + 1, start + n + 1), pa.int64()),
                "ingested_at": pa.repeat(pa.scalar(now, UTC_US), n),
                "ingest_date": pa.array([now.date()] * n, pa.date32()),
            },
            schema=BRONZE_SCHEMA,
        )

    for line in lines:
        buf.append(line)
        if len(buf) >= BATCH_ROWS:
            yield batch(), buf
            buf = []
    if buf:
        yield batch(), buf


def backfill_gharchive_hour(settings: Settings, hour: str, *, path_or_url: str | None = None) -> dict:
    """Load one GH Archive hour ("YYYY-MM-DD-H") from a file or URL (default: GHARCHIVE_BASE_URL)."""
    if not is_hour_spec(hour):
        raise ValueError(f"hour must look like 2015-01-01-15, got {hour!r}")
    source = path_or_url or hour_url(settings.gharchive_base_url, parse_hour(hour))
    lines = event_lines(source, timeout_s=settings.gharchive_http_timeout_s)
    return backfill_lines(settings, hour, lines, label=Path(str(source)).name)


def backfill_lines(
    settings: Settings,
    hour: str,
    lines: Iterable[bytes],
    *,
    label: str,
    turns: WriteTurns | None = None,
    turn: int = 0,
) -> dict:
    """Replace bronze rows of ``hour`` with ``lines`` (one atomic commit), then promote them.

    While delta-rs writes bronze (Rust, without the GIL) the same batches are validated here; the
    silver merge only starts once the bronze commit has landed. The lines beyond the first
    ``CACHE_BYTES`` of an hour are instead read back from bronze in chunks after the commit.
    ``turns`` (from ``backfill_gharchive_hours``) orders the silver merges of concurrent hours."""
    tune_malloc(settings)
    started = time.monotonic()
    now = dt.datetime.now(dt.UTC)
    counter = [0]
    tee = _Tee(CACHE_BYTES)
    reader = pa.RecordBatchReader.from_batches(
        BRONZE_SCHEMA, tee.wrap(_bronze_batches(hour, lines, label, now, counter))
    )
    failure: list[BaseException] = []

    def write() -> None:
        try:
            # Concurrent hours write bronze side by side: each overwrite only removes its own hour's
            # files, so they commit without conflict; one that does conflict (the same hour twice,
            # or a compacted file holding both hours) raises CommitFailedError and the hour is re-run.
            write_table(
                ensure_table(settings, BRONZE),
                BRONZE,
                reader,
                mode="overwrite",
                predicate=f"gharchive_hour = '{hour}'",
                meta={"ghintel.operation": "backfill", "ghintel.hour": hour},
            )
        except BaseException as exc:  # re-raised below, in the caller's thread
            failure.append(exc)
            tee.abort()

    writer = threading.Thread(target=write, name="bronze-backfill-writer", daemon=True)
    writer.start()
    early = list(_validated_chunks(settings, tee.stream(), sort=False))
    writer.join()
    if failure:
        raise failure[0]
    bronze_seconds = time.monotonic() - started
    fault_point("between")
    chunks: Iterable[tuple[pa.Table, Validated]] = _drain(early)
    if tee.overflowed:
        # The lines validated while bronze was written are kept; only the rest is read back.
        done = sum(rows.num_rows for rows, _ in early)
        scanner = table_dataset(ensure_table(settings, BRONZE)).scanner(
            filter=(ds.field("gharchive_hour") == hour) & (ds.field("line_number") > done),
            columns=BRONZE_READ_COLUMNS,
            batch_size=SILVER_CHUNK_ROWS,
            batch_readahead=2,
            fragment_readahead=1,
        )
        rest = _validated_chunks(settings, ((b, None) for b in scanner.to_batches()), sort=True)
        chunks = itertools.chain(chunks, rest)
    with turns.silver(turn) if turns else nullcontext():
        summary = _promote_chunks(settings, hour, chunks)
    return {
        "hour": hour,
        "file": label,
        "lines": counter[0],
        "bronze_rows": counter[0],
        "silver_written": summary.silver_written,
        "duplicates": summary.duplicates,
        "quarantined": summary.quarantined,
        "event_hours_touched": summary.event_hours_touched,
        "bronze_seconds": round(bronze_seconds, 3),
        "seconds": round(time.monotonic() - started, 3),
    }


class _Tee:
    """Hands the batches going to the bronze writer to the validating thread, up to a byte budget."""

    _END = object()

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.nbytes = 0
        self.overflowed = False
        self.queue: queue.Queue = queue.Queue()

    def wrap(self, batches: Iterable[tuple[pa.RecordBatch, list[bytes]]]) -> Iterator[pa.RecordBatch]:
        """The batches for the writer; each (batch, its lines) also goes to ``stream``."""
        try:
            for batch, lines in batches:
                if not self.overflowed:
                    self.nbytes += batch.nbytes
                    if self.nbytes > self.budget:
                        self.overflowed = True  # too big to hold: silver reads it back instead
                        self.queue.put(self._END)
                    else:
                        self.queue.put((batch, lines))
                yield batch
        finally:
            self.abort()

    def abort(self) -> None:
        """Signal the end to ``stream`` (an extra end marker after the first is never read)."""
        if not self.overflowed:
            self.queue.put(self._END)

    def stream(self) -> Iterator[tuple[pa.RecordBatch, list[bytes]]]:
        while (item := self.queue.get()) is not self._END:
            yield item


def _drain(items: list) -> Iterator:
    """Yield and forget each item, so that a promoted chunk's memory is freed before the next."""
    items.reverse()
    while items:
        yield items.pop()


def _validated_chunks(
    settings: Settings, batches: Iterable[tuple[pa.RecordBatch, list[bytes] | None]], *, sort: bool
) -> Iterator[tuple[pa.Table, Validated]]:
    """``batches``: bronze batches, each with its lines as bytes (or None: taken from the batch)."""
    pending: list[pa.RecordBatch] = []
    values: list[bytes] | None = []
    size = 0
    for batch, lines in batches:
        if batch.num_rows == 0:
            continue
        pending.append(batch.select(BRONZE_READ_COLUMNS))
        if values is not None and lines is not None:
            values.extend(lines)
        else:
            values = None
        size += batch.num_rows
        if size >= SILVER_CHUNK_ROWS:
            yield _validated(settings, pending, values, sort)
            pending, values, size = [], [], 0
    if pending:
        yield _validated(settings, pending, values, sort)


def _validated(
    settings: Settings, batches: list[pa.RecordBatch], values: list[bytes] | None, sort: bool
) -> tuple[pa.Table, Validated]:
    rows = pa.Table.from_batches(batches)
    if sort:  # the read path returns files in no promised order; the first line must win
        rows = rows.sort_by("line_number")
        values = None
    validated = validate_rows(settings, rows, values=values)
    return rows.select(["kafka_offset"]), validated


def _promote_chunks(
    settings: Settings, hour: str, chunks: Iterable[tuple[pa.Table, Validated]]
) -> SilverSummary:
    summary = SilverSummary()
    quarantined: list[pa.Table] = []
    for rows, validated in chunks:
        quarantined.append(validated.quarantine)
        inserted = _merge_with_retry(settings, validated.events, hour)
        summary.commits += 1
        summary.add(validated.counts(rows.num_rows, inserted))
    # One predicate overwrite replaces every quarantine row of the hour: idempotent across re-runs.
    table = ensure_table(settings, QUARANTINE)
    rows = pa.concat_tables(quarantined) if quarantined else QUARANTINE_SCHEMA.empty_table()
    write_table(table, QUARANTINE, rows, mode="overwrite", predicate=f"gharchive_hour = '{hour}'")
    return summary


def _merge_with_retry(settings: Settings, events: pa.Table, hour: str) -> int:
    for attempt in range(MAX_CONFLICTS):
        silver = ensure_table(settings, SILVER)
        fault_point("merge")
        try:
            return merge_events(silver, events, [], {"ghintel.operation": "backfill", "ghintel.hour": hour})
        except CommitFailedError:
            time.sleep(0.05 * (attempt + 1))
    raise RuntimeError(f"silver merge for {hour} kept conflicting")
