"""Kafka offsets stored in the Delta log, ingest planning, and broker-reset detection.

Offsets follow kafka-delta-ingest: each bronze commit carries one Delta ``txn`` per Kafka
partition (``app_id`` below, ``version`` = last offset written), so rows and offsets land in one
atomic commit. A broker reset (Tansu is memory-only) starts the topic's offsets again at 0; an
explicit ``accept_broker_reset`` opens a new *epoch* whose app ids are distinct, so the offsets of
the lost log can never be confused with the new one.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field

from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake

from ghintel_pipeline.lib.kafka.broker import broker_status, resolve_bootstrap
from ghintel_pipeline.lib.kafka.client import (
    Consumer,
    TopicPartition,
    fetched_high_watermark,
    new_consumer,
    partitions,
    watermarks,
)
from ghintel_pipeline.lib.lake.storage import BRONZE, BRONZE_SCHEMA, ensure_table, open_table
from ghintel_pipeline.lib.records import AsDict
from ghintel_pipeline.lib.settings import Settings

# Partitions probed for stored offsets: a topic shrinking is itself a reset signal, so we must find
# offsets of partitions the topic no longer has.
PROBE_PARTITIONS = 64
INSTANCE_KEY = "ghintel.broker_instance"


class BrokerResetError(RuntimeError):
    """The Kafka log no longer holds what bronze stored: the broker lost its data (or the topic was
    recreated). Nothing was read. Run ``accept_broker_reset`` (``ghintel lake accept-broker-reset``)
    after checking, to restart offsets at 0 in a new epoch."""


def _app_id(kind: str, topic: str, partition: int, epoch: int) -> str:
    base = f"ghintel-{kind}:{topic}:{partition}"
    return base if epoch == 0 else f"{base}:e{epoch}"


def bronze_app_id(topic: str, partition: int, epoch: int = 0) -> str:
    return _app_id("bronze", topic, partition, epoch)


def silver_app_id(topic: str, partition: int, epoch: int = 0) -> str:
    return _app_id("silver", topic, partition, epoch)


def silver_date_app_id(date: str) -> str:
    """Not an offset: the per-date txn every silver insert carries (silver.date_lock_txns)."""
    return f"ghintel-silver-ids:{date}"


def quarantine_app_id(topic: str, partition: int, epoch: int = 0) -> str:
    return _app_id("quarantine", topic, partition, epoch)


def epoch_app_id(topic: str) -> str:
    return f"ghintel-bronze-epoch:{topic}"


def current_epoch(bronze: DeltaTable | None, topic: str) -> int:
    if bronze is None:
        return 0
    return bronze.transaction_version(epoch_app_id(topic)) or 0


def stored_offsets(table: DeltaTable | None, app_id, topic: str, epoch: int) -> dict[int, int]:
    """{partition: last offset written} for every partition with a txn in ``table``."""
    if table is None:
        return {}
    found = {}
    for p in range(PROBE_PARTITIONS):
        version = table.transaction_version(app_id(topic, p, epoch))
        if version is not None:
            found[p] = version
    return found


def recorded_broker_instance(bronze: DeltaTable | None) -> str | None:
    if bronze is None:
        return None
    for commit in bronze.history(limit=25):
        if commit.get(INSTANCE_KEY):
            return commit[INSTANCE_KEY]
    return None


def embedded_broker_instance(settings: Settings) -> str | None:
    """The embedded broker's per-start id, when the cluster in use is the embedded broker."""
    status = broker_status(settings.home)
    if status["state"] != "running":
        return None
    if settings.kafka_bootstrap_servers and settings.kafka_bootstrap_servers != status["bootstrap"]:
        return None
    return status["instance_id"]


def make_consumer(bootstrap: str, **overrides) -> Consumer:
    """A consumer for assign() at stored offsets only (see lib/kafka/client.py): no group join,
    nothing committed, and an out-of-range position fails loudly instead of jumping."""
    return new_consumer(bootstrap, **{"socket.timeout.ms": 30_000, **overrides})


@dataclass
class PartitionPlan:
    stored_next_offset: int | None
    end_offset: int
    earliest_offset: int


@dataclass
class IngestPlan(AsDict):
    topic: str
    epoch: int
    partitions: dict[int, PartitionPlan]
    has_new_data: bool
    lag: int
    fingerprint: str
    broker_reset_suspected: bool
    reason: str
    stored_partitions: list[int] = field(default_factory=list)


def reset_signals(
    stored: dict[int, int],
    partitions: set[int] | None,
    earliest: dict[int, int],
    end: dict[int, int],
    recorded_instance: str | None,
    current_instance: str | None,
) -> list[str]:
    """Reasons to believe the broker lost the log bronze read from (empty list: none).

    Tansu's "end offset" is the base offset of its last batch + 1, so ``stored > end`` alone is
    normal there; only signals that no healthy broker can show are used.
    """
    if not stored:
        return []
    reasons = []
    if recorded_instance and current_instance and recorded_instance != current_instance:
        reasons.append(
            f"embedded broker restarted (instance {recorded_instance[:8]} -> {current_instance[:8]})"
        )
    if partitions is None:
        reasons.append("topic no longer exists on the broker")
        return reasons
    for p, last in sorted(stored.items()):
        if p not in partitions:
            reasons.append(f"partition {p} disappeared (topic now has {len(partitions)} partitions)")
        elif end.get(p, 0) == 0:
            reasons.append(f"partition {p} is empty but offsets up to {last} were stored")
        elif earliest.get(p, 0) > last + 1:
            reasons.append(f"partition {p} starts at {earliest[p]}, past the stored offset {last}")
    if reasons and len(partitions) != len(stored):
        reasons.append(f"partition count changed ({len(stored)} -> {len(partitions)})")
    return reasons


@dataclass
class KafkaState:
    topic: str
    epoch: int
    stored: dict[int, int]
    partitions: set[int] | None
    earliest: dict[int, int]
    end: dict[int, int]
    reset_reasons: list[str]
    instance: str | None


def log_end_offsets(
    bootstrap: str, topic: str, listed: dict[int, int], timeout_s: float = 5.0
) -> dict[int, int]:
    """The true end (last offset + 1) of each partition, from a fetch response.

    ``ListOffsets(latest)`` answers the high watermark on Apache Kafka but the base offset of the
    last batch + 1 on Tansu (PLATFORM-NOTES): fetch once at that offset - 1 and take the high
    watermark the fetch response carries. A partition that answers nothing in ``timeout_s`` keeps
    its listed offset (a lower bound).
    """
    pending = {p for p, offset in listed.items() if offset > 0}
    ends = dict(listed)
    if not pending:
        return ends
    # One small fetch per partition is enough: the response carries the high watermark.
    # (No small "queued.min.messages": a queue at that level makes librdkafka back off its fetches
    # for fetch.queue.backoff.ms, 1 s by default: it made every ingest plan 1 s slower.)
    consumer = make_consumer(bootstrap, **{"max.partition.fetch.bytes": 1 << 16})
    try:
        consumer.assign([TopicPartition(topic, p, listed[p] - 1) for p in sorted(pending)])
        deadline = time.monotonic() + timeout_s
        while pending and time.monotonic() < deadline:
            # consume() only drives the fetches (it waits its whole timeout for fewer records than
            # asked); the watermark of every partition whose fetch came back is cached by then.
            consumer.consume(num_messages=1000, timeout=0.02)
            for p in sorted(pending):
                high = fetched_high_watermark(consumer, topic, p)
                if high is not None:
                    ends[p] = max(ends[p], high)
                    pending.discard(p)
    finally:
        consumer.close()
    return ends


def read_state(settings: Settings, bronze: DeltaTable | None, consumer: Consumer) -> KafkaState:
    topic = settings.ghintel_topic
    epoch = current_epoch(bronze, topic)
    stored = stored_offsets(bronze, bronze_app_id, topic, epoch)
    parts = partitions(consumer, topic, wait_s=0)
    earliest: dict[int, int] = {}
    end: dict[int, int] = {}
    if parts:
        earliest, end = watermarks(consumer, topic, parts)
        end = log_end_offsets(resolve_bootstrap(settings), topic, end)
    instance = embedded_broker_instance(settings)
    recorded = recorded_broker_instance(bronze) if stored else None
    reasons = reset_signals(stored, set(parts) if parts else None, earliest, end, recorded, instance)
    return KafkaState(topic, epoch, stored, set(parts) if parts else None, earliest, end, reasons, instance)


def plan_ingest(settings: Settings) -> IngestPlan:
    """What a run would read: Kafka metadata, the Delta log, and one fetch of each partition's last
    batch (so that ``lag`` counts every record, see ``log_end_offsets``)."""
    bronze = open_table(settings, BRONZE)
    consumer = make_consumer(resolve_bootstrap(settings))
    try:
        state = read_state(settings, bronze, consumer)
    finally:
        consumer.close()
    plans = {}
    for p in sorted(state.partitions or ()):
        last = state.stored.get(p)
        plans[p] = PartitionPlan(
            stored_next_offset=None if last is None else last + 1,
            end_offset=state.end.get(p, 0),
            earliest_offset=state.earliest.get(p, 0),
        )
    lag = sum(
        max(
            0,
            pp.end_offset
            - (pp.stored_next_offset if pp.stored_next_offset is not None else pp.earliest_offset),
        )
        for pp in plans.values()
    )
    has_new = lag > 0 and not state.reset_reasons
    material = repr((state.topic, state.epoch, sorted((p, asdict(pp)) for p, pp in plans.items())))
    reasons = state.reset_reasons
    return IngestPlan(
        topic=state.topic,
        epoch=state.epoch,
        partitions=plans,
        has_new_data=has_new,
        lag=lag,
        fingerprint=hashlib.sha1(material.encode()).hexdigest()[:16],
        broker_reset_suspected=bool(reasons),
        reason="; ".join(reasons) if reasons else ("new data" if has_new else "caught up"),
        stored_partitions=sorted(state.stored),
    )


def accept_broker_reset(settings: Settings, *, operation: str = "accept_broker_reset") -> dict:
    """Accept that the broker lost its log: open a new epoch so every partition restarts at its
    earliest offset. Re-delivered events are harmless (silver dedups by event_id); bronze rows of
    older epochs stay, tagged with their ``kafka_epoch``."""
    bronze = ensure_table(settings, BRONZE)
    topic = settings.ghintel_topic
    old = current_epoch(bronze, topic)
    previous = stored_offsets(bronze, bronze_app_id, topic, old)
    meta = {"ghintel.epoch": str(old + 1), "ghintel.operation": operation}
    instance = embedded_broker_instance(settings)
    if instance:
        meta[INSTANCE_KEY] = instance
    write_deltalake(
        bronze,
        BRONZE_SCHEMA.empty_table(),
        mode="append",
        commit_properties=CommitProperties(
            app_transactions=[Transaction(epoch_app_id(topic), old + 1)], custom_metadata=meta
        ),
    )
    return {"topic": topic, "previous_epoch": old, "epoch": old + 1, "previous_offsets": previous}


def rebase_after_own_broker_start(settings: Settings) -> dict | None:
    """Open a new epoch when bronze holds offsets of a log that cannot exist any more.

    Called by ``ghintel up`` right after it started the memory-only embedded broker itself, before
    any producer runs: the new broker is empty by construction, so offsets stored in the current
    epoch refer to the previous broker's lost log. Returns what ``accept_broker_reset`` returns, or
    None when there was nothing to re-base. An external cluster is never re-based here.
    """
    bronze = open_table(settings, BRONZE)
    topic = settings.ghintel_topic
    if not stored_offsets(bronze, bronze_app_id, topic, current_epoch(bronze, topic)):
        return None
    return accept_broker_reset(settings, operation="auto_rebase_own_broker")
