"""Kafka -> bronze: every record exactly once, its offset in the same Delta commit as its row.

A run assigns each partition at the offset stored in the bronze log, re-reads the last stored
record to prove the broker still holds the same log, then reads in bounded batches until it has
reached every partition's high watermark (taken from fetch responses, which Tansu reports exactly,
unlike its ListOffsets answer).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

import orjson
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, Transaction
from deltalake.exceptions import CommitFailedError

from ghintel_pipeline.lib.kafka.broker import resolve_bootstrap
from ghintel_pipeline.lib.kafka.client import (
    OUT_OF_RANGE,
    KafkaException,
    TopicPartition,
    fetched_high_watermark,
)
from ghintel_pipeline.lib.lake.faults import fault_point
from ghintel_pipeline.lib.lake.offsets import (
    INSTANCE_KEY,
    BrokerResetError,
    bronze_app_id,
    make_consumer,
    read_state,
)
from ghintel_pipeline.lib.lake.storage import (
    BRONZE,
    BRONZE_SCHEMA,
    UTC_US,
    binary_array,
    ensure_table,
    table_dataset,
    write_table,
)
from ghintel_pipeline.lib.records import AsDict
from ghintel_pipeline.lib.settings import Settings

Progress = Callable[[str, int], None]
COMMIT_RETRIES = 8
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class DrainOptions(TypedDict, total=False):
    """The bounds of one Kafka -> bronze drain, passed on by every run that drains (see
    ``drain_kafka_to_bronze`` for their defaults)."""

    max_rows: int
    max_bytes: int
    progress: Progress | None
    stop_at: dict[int, int] | None


@dataclass
class BronzeSummary(AsDict):
    rows_read: int = 0
    rows_written: int = 0
    bytes_written: int = 0
    commits: int = 0
    offsets: dict[int, dict[str, int]] = field(default_factory=dict)  # partition -> first/last written
    epoch: int = 0
    caught_up: bool = False
    seconds: float = 0.0


class _Batch:
    """Columns of the records read since the last commit."""

    def __init__(self) -> None:
        self.cols: dict[str, list] = {
            k: [] for k in ("value", "key", "partition", "offset", "ts", "headers", "source")
        }
        self.nbytes = 0
        self._headers: dict[tuple, tuple[str, str | None]] = {}

    def __len__(self) -> int:
        return len(self.cols["offset"])

    def add(self, msg) -> None:
        """One consumed confluent-kafka message."""
        raw_headers = msg.headers()
        if raw_headers:
            # The records of one file or poller share their headers: decode each distinct set once.
            key_ = tuple(raw_headers)
            decoded = self._headers.get(key_)
            if decoded is None:
                headers = {
                    k: v.decode("utf-8", "backslashreplace") if v is not None else None for k, v in key_
                }
                decoded = self._headers[key_] = (orjson.dumps(headers).decode(), headers.get("source"))
        else:
            decoded = (None, None)
        value, key = msg.value(), msg.key()
        kind, ts = msg.timestamp()
        c = self.cols
        c["value"].append(value)
        c["key"].append(key)
        c["partition"].append(msg.partition())
        c["offset"].append(msg.offset())
        c["ts"].append(ts if kind != 0 and ts >= 0 else None)
        c["headers"].append(decoded[0])
        c["source"].append(decoded[1] or "unknown")
        self.nbytes += len(value or b"") + len(key or b"")

    def to_arrow(self, topic: str, epoch: int, now: dt.datetime) -> pa.Table:
        n = len(self)
        c = self.cols
        return pa.table(
            {
                "value": binary_array(c["value"]),
                "kafka_key": pa.array(c["key"], pa.binary()),
                "kafka_topic": pa.array([topic] * n, pa.string()),
                "kafka_partition": pa.array(c["partition"], pa.int32()),
                "kafka_offset": pa.array(c["offset"], pa.int64()),
                "kafka_epoch": pa.array([epoch] * n, pa.int32()),
                "kafka_timestamp": pa.array(c["ts"], pa.timestamp("ms", tz="UTC")).cast(UTC_US),
                "kafka_headers": pa.array(c["headers"], pa.string()),
                "source": pa.array(c["source"], pa.string()),
                "gharchive_hour": pa.nulls(n, pa.string()),
                "line_number": pa.nulls(n, pa.int64()),
                "ingested_at": pa.array([now] * n, UTC_US),
                "ingest_date": pa.array([now.date()] * n, pa.date32()),
            },
            schema=BRONZE_SCHEMA,
        )


def commit_bronze_rows(
    settings: Settings, rows: pa.Table, *, topic: str, epoch: int, instance: str | None
) -> pa.Table:
    """Append ``rows`` with one txn per partition; return the rows actually committed.

    Rows at or below a partition's stored offset are dropped first: delta-rs records txns but does
    not enforce them. A racing writer with the same app id makes our commit fail; the commit may
    still have landed (or theirs covered our rows), so re-read and filter again before retrying.
    """
    for _ in range(COMMIT_RETRIES):
        bronze = ensure_table(settings, BRONZE)
        keep, txns = _unstored(bronze, rows, topic, epoch)
        if keep.num_rows == 0:
            return keep
        meta = {"ghintel.operation": "kafka_ingest", "ghintel.epoch": str(epoch)}
        if instance:
            meta[INSTANCE_KEY] = instance
        fault_point("bronze_write")
        try:
            write_table(bronze, BRONZE, keep, txns=txns, meta=meta)
            return keep
        except CommitFailedError:
            time.sleep(0.05)
    raise RuntimeError(f"bronze commit kept conflicting after {COMMIT_RETRIES} attempts")


def _unstored(
    bronze: DeltaTable, rows: pa.Table, topic: str, epoch: int
) -> tuple[pa.Table, list[Transaction]]:
    parts = rows.column("kafka_partition")
    kept, txns = [], []
    for p in sorted(pc.unique(parts).to_pylist()):
        sub = rows.filter(pc.equal(parts, p))
        stored = bronze.transaction_version(bronze_app_id(topic, p, epoch))
        if stored is not None:
            sub = sub.filter(pc.greater(sub.column("kafka_offset"), stored))
        if sub.num_rows == 0:
            continue
        offsets = sub.column("kafka_offset")
        first, last = pc.min(offsets).as_py(), pc.max(offsets).as_py()
        if stored is not None and first != stored + 1:
            raise RuntimeError(f"offset gap on partition {p}: stored {stored}, next row {first}")
        if last - first + 1 != sub.num_rows:
            raise RuntimeError(f"rows of partition {p} are not contiguous ({first}..{last}, {sub.num_rows})")
        kept.append(sub)
        txns.append(Transaction(bronze_app_id(topic, p, epoch), last))
    if not kept:
        return rows.schema.empty_table(), []
    return pa.concat_tables(kept), txns


def _stored_record(bronze: DeltaTable, topic: str, epoch: int, partition: int, offset: int) -> dict | None:
    import pyarrow.dataset as ds

    flt = (
        (ds.field("kafka_topic") == topic)
        & (ds.field("kafka_epoch") == epoch)
        & (ds.field("kafka_partition") == partition)
        & (ds.field("kafka_offset") == offset)
    )
    rows = table_dataset(bronze).to_table(filter=flt, columns=["kafka_timestamp", "kafka_key"]).to_pylist()
    return rows[0] if rows else None


def _same_record(stored: dict | None, msg) -> bool:
    if stored is None:
        return True  # nothing to compare with (row written by an older layout); offsets still checked
    ts = stored["kafka_timestamp"]
    stored_ms = None if ts is None else (ts - _EPOCH) // dt.timedelta(milliseconds=1)
    kind, fetched = msg.timestamp()
    fetched_ms = fetched if kind != 0 and fetched >= 0 else None
    return stored_ms == fetched_ms and stored["kafka_key"] == msg.key()


def drain_kafka_to_bronze(
    settings: Settings,
    *,
    max_rows: int = 10_000,
    max_bytes: int = 64 << 20,
    progress: Progress | None = None,
    stop_at: dict[int, int] | None = None,
    on_commit: Callable[[pa.Table], None] | None = None,
) -> BronzeSummary:
    """Read every partition from its stored offset until caught up (or ``stop_at[p]``, exclusive),
    committing every ``max_rows`` rows / ``max_bytes`` bytes; ``on_commit`` gets the rows of each
    commit once it has landed. Raises ``BrokerResetError`` when the broker no longer holds the log
    the stored offsets refer to."""
    started = time.monotonic()
    summary = BronzeSummary()
    topic = settings.ghintel_topic
    bronze = ensure_table(settings, BRONZE)
    consumer = make_consumer(resolve_bootstrap(settings))
    try:
        state = read_state(settings, bronze, consumer)
        summary.epoch = state.epoch
        if state.reset_reasons:
            raise BrokerResetError("Kafka log reset suspected: " + "; ".join(state.reset_reasons))
        if not state.partitions:
            summary.caught_up = True
            return summary
        verify: dict[int, int] = {}
        position: dict[int, int] = {}  # next offset to read, per partition
        for p in sorted(state.partitions):
            last = state.stored.get(p)
            if last is None:
                position[p] = state.earliest.get(p, 0)
            else:
                position[p] = last  # the last stored record is read again and compared
                verify[p] = last
        consumer.assign([TopicPartition(topic, p, offset) for p, offset in position.items()])
        stopped: set[int] = set()
        batch = _Batch()
        empty_polls = 0

        def flush() -> None:
            nonlocal batch
            if not len(batch):
                return
            rows = batch.to_arrow(topic, state.epoch, dt.datetime.now(dt.UTC))
            batch = _Batch()
            written = commit_bronze_rows(
                settings, rows, topic=topic, epoch=state.epoch, instance=state.instance
            )
            if written.num_rows:
                summary.rows_written += written.num_rows
                summary.bytes_written += int(pc.sum(pc.binary_length(written.column("value"))).as_py() or 0)
                summary.commits += 1
                _track(summary.offsets, written)
                if on_commit is not None:
                    on_commit(written)
            if progress:
                progress("bronze", summary.rows_written)

        def stop(p: int) -> None:
            consumer.pause([TopicPartition(topic, p)])
            stopped.add(p)

        while True:
            polled = consumer.consume(num_messages=max(1, min(5000, max_rows - len(batch))), timeout=0.5)
            got = False
            for msg in polled:
                err = msg.error()
                if err is not None:
                    if err.code() in OUT_OF_RANGE:
                        raise BrokerResetError(f"stored offsets are outside the Kafka log: {err.str()}")
                    if err.fatal():
                        raise KafkaException(err)
                    continue  # end of partition, or a transient broker error (retried by the client)
                got = True
                p = msg.partition()
                if p in stopped:
                    continue
                offset = msg.offset()
                if p in verify:
                    expected = verify.pop(p)
                    if offset != expected or not _same_record(
                        _stored_record(bronze, topic, state.epoch, p, expected), msg
                    ):
                        raise BrokerResetError(
                            f"partition {p}: the record at stored offset {expected} differs from the one "
                            "in bronze; the broker's log was replaced"
                        )
                    position[p] = offset + 1
                    continue
                if offset < position[p]:
                    continue  # a fetch may start at a batch's base offset before our position
                if stop_at is not None and p in stop_at and offset >= stop_at[p]:
                    stop(p)
                    continue
                summary.rows_read += 1
                batch.add(msg)
                position[p] = offset + 1
                if stop_at is not None and p in stop_at and position[p] >= stop_at[p]:
                    stop(p)
            if not got:
                empty_polls += 1
                if _caught_up(consumer, topic, position, stopped) or empty_polls >= 10:
                    summary.caught_up = empty_polls < 10
                    break
                continue
            empty_polls = 0
            if len(batch) >= max_rows or batch.nbytes >= max_bytes:
                flush()
        flush()
        if verify:
            raise BrokerResetError(
                f"partitions {sorted(verify)}: the last stored records are no longer in the Kafka log"
            )
    finally:
        consumer.close()
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def _caught_up(consumer, topic: str, position: dict[int, int], stopped: set[int]) -> bool:
    """True when every partition's position reached the high watermark of its last fetch."""
    for p, at in position.items():
        if p in stopped:
            continue
        high = fetched_high_watermark(consumer, topic, p)
        if high is None:
            return False
        if at > high:
            raise BrokerResetError(
                f"partition {p}: stored position {at} is past the log end {high}; the broker lost data"
            )
        if at < high:
            return False
    return True


def _track(offsets: dict[int, dict[str, int]], written: pa.Table) -> None:
    grouped = written.group_by("kafka_partition").aggregate(
        [("kafka_offset", "min"), ("kafka_offset", "max")]
    )
    for row in grouped.to_pylist():
        entry = offsets.setdefault(row["kafka_partition"], {"first": row["kafka_offset_min"]})
        entry["last"] = row["kafka_offset_max"]
