"""One ingest run (Kafka -> bronze -> silver) and the explicit replay of stored offsets.

``run_ingest`` is the one ingest composition: the Dagster ingest step, ``ghintel ingest`` (through
that step), the benchmarks and the fault-injection tests all run it.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Unpack

from ghintel_pipeline.lib.kafka.broker import resolve_bootstrap
from ghintel_pipeline.lib.kafka.client import TopicPartition
from ghintel_pipeline.lib.lake.bronze import (
    BronzeSummary,
    DrainOptions,
    Progress,
    _Batch,
    drain_kafka_to_bronze,
)
from ghintel_pipeline.lib.lake.faults import fault_point
from ghintel_pipeline.lib.lake.hooks import SilverHook, after_silver_commit_hooks
from ghintel_pipeline.lib.lake.memory import tune_malloc
from ghintel_pipeline.lib.lake.offsets import (
    BrokerResetError,
    bronze_app_id,
    current_epoch,
    make_consumer,
)
from ghintel_pipeline.lib.lake.silver import (
    BRONZE_READ_COLUMNS,
    SilverSummary,
    _quarantine_kafka_rows,
    merge_events,
    promote_bronze_to_silver,
    promote_committed_rows,
    validate_rows,
)
from ghintel_pipeline.lib.lake.storage import BRONZE, SILVER, ensure_table, open_table
from ghintel_pipeline.lib.settings import Settings


@dataclass
class IngestSummary:
    bronze: BronzeSummary
    silver: SilverSummary
    seconds: float
    silver_versions: tuple[int | None, int | None] = (None, None)  # before and after the run
    published: list[dict] = field(default_factory=list)  # lib/topics: what reached the topics

    def to_dict(self) -> dict:
        return {
            "rows_read": self.bronze.rows_read,
            "bronze_written": self.bronze.rows_written,
            "silver_rows_read": self.silver.rows_read,
            "silver_written": self.silver.silver_written,
            "quarantined": self.silver.quarantined,
            "duplicates": self.silver.duplicates,
            "offsets": self.bronze.offsets,
            "epoch": self.bronze.epoch,
            "caught_up": self.bronze.caught_up,
            "seconds": self.seconds,
            "event_hours_touched": self.silver.event_hours_touched,
            "silver_versions": list(self.silver_versions),
            "published": self.published,
        }


class _Promoter:
    """Promotes each bronze commit on one worker thread while the main thread keeps reading Kafka.

    Delta writes and merges run in Rust without the GIL, so reading, writing and validating overlap
    on two cores. The queue holds one batch: memory stays bounded at about three batches. Batches
    are promoted in commit order, which the fast path's high-water-mark check relies on."""

    def __init__(
        self, settings: Settings, summary: SilverSummary, progress: Progress | None, on_promoted=None
    ) -> None:
        self.settings, self.summary, self.progress = settings, summary, progress
        self.on_promoted = on_promoted
        self.error: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.thread = threading.Thread(target=self._run, name="silver-promoter", daemon=True)
        self.thread.start()

    def submit(self, rows) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(rows)

    def _run(self) -> None:
        while (rows := self.queue.get()) is not None:
            if self.error is not None:
                continue
            started = time.monotonic()
            try:
                fault_point("between")
                promote_committed_rows(self.settings, rows, self.summary)
            except BaseException as exc:  # re-raised in the caller's thread
                self.error = exc
            self.summary.seconds += time.monotonic() - started
            if self.progress:
                self.progress("silver", self.summary.rows_read)
            if self.on_promoted:
                self.on_promoted()

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


def run_ingest(
    settings: Settings,
    *,
    after_silver: Sequence[SilverHook] | None = None,
    **drain: Unpack[DrainOptions],
) -> IngestSummary:
    """Drain Kafka into bronze until caught up, promoting each bronze commit to silver as soon as it
    has landed (no read-back, on a worker thread), then promote whatever bronze still holds beyond
    silver (rows of a crashed earlier run, or a batch whose fast path lost a race).

    On a suspected broker reset, bronze rows already stored are still promoted, then
    ``BrokerResetError`` is raised. ``after_silver`` (default: ``after_silver_commit_hooks``) runs
    once the run's last silver commit has landed."""
    from ghintel_pipeline.lib.topics.publish import BackgroundPublisher

    tune_malloc(settings)
    started = time.monotonic()
    progress = drain.get("progress")
    version_before = _version(settings)
    silver = SilverSummary()
    # Publishes while the run goes on (a clean event follows its silver commit within a pass); the
    # after_silver hook publishes what the last commits added.
    publisher = BackgroundPublisher(settings)
    promoter = _Promoter(settings, silver, progress, on_promoted=publisher.notify)
    try:
        bronze = drain_kafka_to_bronze(settings, **drain, on_commit=promoter.submit)
    except BrokerResetError:
        promoter.close()
        publisher.abandon()
        promote_bronze_to_silver(settings, progress=progress, summary=silver)
        raise
    except BaseException:
        promoter.queue.put(None)
        publisher.abandon()
        raise
    drained = time.monotonic() - started
    promoter.close()
    published = publisher.close()
    bronze.seconds = round(drained, 3)
    promote_bronze_to_silver(settings, progress=progress, summary=silver)
    silver.seconds = round(silver.seconds, 3)
    summary = IngestSummary(
        bronze, silver, round(time.monotonic() - started, 3), (version_before, _version(settings)), published
    )
    for hook in after_silver_commit_hooks(settings) if after_silver is None else after_silver:
        hook(settings, summary)
    return summary


def _version(settings: Settings) -> int | None:
    silver = open_table(settings, SILVER)
    return silver.version() if silver is not None else None


def replay_kafka_range(
    settings: Settings, from_offsets: dict[int, int], *, max_rows: int = 10_000
) -> SilverSummary:
    """Re-read Kafka from ``from_offsets`` up to what bronze already stored and push those records
    through validation, quarantine and the silver merge again. Bronze is not written (it holds each
    offset once); with a correct lake the result is all duplicates and silver is unchanged."""
    started = time.monotonic()
    topic = settings.ghintel_topic
    bronze = open_table(settings, BRONZE)
    epoch = current_epoch(bronze, topic)
    limits = {
        p: bronze.transaction_version(bronze_app_id(topic, p, epoch)) if bronze else None
        for p in from_offsets
    }
    summary = SilverSummary()
    consumer = make_consumer(resolve_bootstrap(settings))
    try:
        starts = {
            p: from_offsets[p] for p, last in limits.items() if last is not None and from_offsets[p] <= last
        }
        if not starts:
            return summary
        consumer.assign([TopicPartition(topic, p, offset) for p, offset in starts.items()])
        open_parts = set(starts)
        batch = _Batch()
        while open_parts:
            polled = consumer.consume(num_messages=5000, timeout=1.0)
            if not polled:
                break
            for msg in polled:
                p = msg.partition()
                if msg.error() is not None or p not in open_parts:
                    continue
                if msg.offset() > limits[p]:
                    open_parts.discard(p)
                    consumer.pause([TopicPartition(topic, p)])
                    continue
                batch.add(msg)
                if msg.offset() == limits[p]:
                    open_parts.discard(p)
                    consumer.pause([TopicPartition(topic, p)])
            if len(batch) >= max_rows or not open_parts:
                _replay_batch(settings, batch, topic, epoch, summary)
                batch = _Batch()
        _replay_batch(settings, batch, topic, epoch, summary)
    finally:
        consumer.close()
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def _replay_batch(settings: Settings, batch: _Batch, topic: str, epoch: int, summary: SilverSummary) -> None:
    if not len(batch):
        return
    rows = batch.to_arrow(topic, epoch, dt.datetime.now(dt.UTC)).select(BRONZE_READ_COLUMNS)
    validated = validate_rows(settings, rows)
    if validated.quarantine.num_rows:
        last = {
            (epoch, p["kafka_partition"]): p["kafka_offset_max"]
            for p in rows.group_by("kafka_partition").aggregate([("kafka_offset", "max")]).to_pylist()
        }
        _quarantine_kafka_rows(settings, validated.quarantine, last, topic)
    inserted = merge_events(
        ensure_table(settings, SILVER), validated.events, [], {"ghintel.operation": "replay"}
    )
    summary.commits += 1
    summary.add(validated.counts(rows.num_rows, inserted))
