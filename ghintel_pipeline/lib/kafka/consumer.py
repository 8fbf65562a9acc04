"""Read exact offset ranges of a topic with ``assign()`` + ``seek()``: no consumer group, no commits.

Consumer groups cost a ~23 s join on Tansu and would commit offsets the lakehouse does not want
(its offsets live in Delta), so every read here is an explicit ``(partition, start, end)`` range.

Tansu quirk, read before using ``topic_offsets``: ``ListOffsets(latest)`` (kafka-python
``end_offsets``) returns *the base offset of the last record batch + 1*, not the high watermark.
After a producer wrote one batch of 500 records at offsets 1000..1499, Tansu reports end = 1001
while records up to 1499 are readable. Apache Kafka reports 1500. So:

- ``end`` from :func:`topic_offsets` is a lower bound of what is readable on Tansu (exact on
  Kafka). It still grows when new data arrives, so it works as a "something new?" signal, but
  never size a batch from ``end - start`` and never treat ``end < my position`` as proof that the
  topic was reset.
- :func:`read_range` with ``end_exclusive=None`` therefore ignores ``end`` as a stop condition
  while data keeps coming: it reads until a fetch returns nothing (``reached_end=True``), or
  until ``max_records`` / ``max_bytes``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from ghintel_pipeline.lib.polling import poll_until

# Poll this long before deciding "nothing more to read". A fetch with data returns as soon as the
# broker has some (fetch_min_bytes=1) and an empty one after fetch_max_wait_ms (100 ms), so an
# empty poll of this length means several fetches found no record at the position. Tansu also
# answers a fetch *past* the end with nothing instead of OffsetOutOfRange.
END_POLL_MS = 500


class ConsumerError(RuntimeError):
    """A range could not be read (broker unreachable, unknown topic, offset out of range)."""


@dataclass(frozen=True, slots=True)
class RawRecord:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def header(self, name: str) -> bytes | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass
class RangeRead:
    """What :func:`read_range` returns: records in offset order and where to continue."""

    records: list[RawRecord] = field(default_factory=list)
    next_offset: int = 0
    reached_end: bool = False  # a fetch at ``next_offset`` returned nothing (or end_exclusive hit)
    bytes: int = 0


def _consumer(bootstrap: str, *, max_bytes: int | None = None, timeout_s: float = 10.0) -> KafkaConsumer:
    partition_bytes = (
        8 * 1024 * 1024 if max_bytes is None else max(1024 * 1024, min(max_bytes, 64 * 1024 * 1024))
    )
    try:
        return KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            # Never jump silently: a start offset below earliest (retention) or past the end must
            # surface as an error, or the lakehouse would skip or re-read data without knowing.
            auto_offset_reset="none",
            max_partition_fetch_bytes=partition_bytes,
            fetch_max_bytes=max(partition_bytes, 50 * 1024 * 1024),
            max_poll_records=10_000,
            # Short broker-side waits so an empty fetch (= nothing more to read) answers quickly.
            fetch_max_wait_ms=100,
            bootstrap_timeout_ms=int(timeout_s * 1000),
            request_timeout_ms=max(int(timeout_s * 1000), 5_000),
        )
    except KafkaError as exc:
        raise ConsumerError(f"cannot reach Kafka at {bootstrap} within {timeout_s:.0f}s") from exc


@contextmanager
def open_consumer(
    bootstrap: str, *, max_bytes: int | None = None, timeout_s: float = 10.0
) -> Iterator[KafkaConsumer]:
    """A group-less consumer for repeated :func:`read_range` calls (saves a bootstrap per call)."""
    consumer = _consumer(bootstrap, max_bytes=max_bytes, timeout_s=timeout_s)
    try:
        yield consumer
    finally:
        consumer.close()


def _partitions(consumer: KafkaConsumer, topic: str, timeout_s: float) -> list[int]:
    parts = poll_until(lambda: consumer.partitions_for_topic(topic), timeout_s=timeout_s, interval_s=0.2)
    if not parts:
        raise ConsumerError(f"topic {topic!r} not found")
    return sorted(parts)


def topic_offsets(bootstrap: str, topic: str, *, timeout_s: float = 10.0) -> dict[int, tuple[int, int]]:
    """``{partition: (earliest, end)}``. On Tansu ``end`` is a lower bound (see module doc)."""
    with open_consumer(bootstrap, timeout_s=timeout_s) as consumer:
        tps = [TopicPartition(topic, p) for p in _partitions(consumer, topic, timeout_s)]
        try:
            earliest = consumer.beginning_offsets(tps, timeout_ms=int(timeout_s * 1000))
            end = consumer.end_offsets(tps, timeout_ms=int(timeout_s * 1000))
        except KafkaError as exc:
            raise ConsumerError(f"cannot list offsets of {topic!r}: {exc}") from exc
        return {tp.partition: (earliest[tp], end[tp]) for tp in tps}


def read_range(
    bootstrap: str,
    topic: str,
    partition: int,
    start: int,
    end_exclusive: int | None = None,
    max_records: int = 100_000,
    max_bytes: int = 256 * 1024 * 1024,
    *,
    consumer: KafkaConsumer | None = None,
    timeout_s: float = 30.0,
) -> RangeRead:
    """Records of ``topic``/``partition`` from ``start`` in offset order.

    Stops at ``end_exclusive`` (when given), after ``max_records`` records or once ``max_bytes``
    of values are read (at least one record is always returned if one exists), or when a fetch
    at the current position returns nothing. ``next_offset`` is where the next read continues.
    ``timeout_s`` bounds the whole read, so an unreachable broker fails instead of hanging.
    """
    result = RangeRead(next_offset=start)
    if end_exclusive is not None and start >= end_exclusive:
        result.reached_end = True
        return result
    own = consumer is None
    if consumer is None:
        consumer = _consumer(bootstrap, max_bytes=max_bytes, timeout_s=min(timeout_s, 10.0))
    tp = TopicPartition(topic, partition)
    deadline = time.monotonic() + timeout_s
    try:
        consumer.assign([tp])
        consumer.seek(tp, start)
        while len(result.records) < max_records and result.bytes < max_bytes:
            if time.monotonic() > deadline:
                raise ConsumerError(
                    f"reading {topic}[{partition}] from {result.next_offset} "
                    f"did not finish within {timeout_s:.0f}s"
                )
            polled = consumer.poll(timeout_ms=END_POLL_MS, max_records=max_records - len(result.records))
            batch = polled.get(tp, [])
            if not batch:
                result.reached_end = True
                break
            for msg in batch:
                if msg.offset < result.next_offset:
                    continue  # a fetch may start at a batch's base offset before our position
                if end_exclusive is not None and msg.offset >= end_exclusive:
                    result.reached_end = True
                    break
                if len(result.records) >= max_records or (result.records and result.bytes >= max_bytes):
                    break
                result.records.append(
                    RawRecord(
                        topic,
                        partition,
                        msg.offset,
                        msg.timestamp,
                        msg.key,
                        msg.value,
                        tuple(msg.headers or ()),
                    )
                )
                result.bytes += len(msg.value or b"")
                result.next_offset = msg.offset + 1
            if result.reached_end:
                break
            if end_exclusive is not None and result.next_offset >= end_exclusive:
                result.reached_end = True
                break
    except KafkaError as exc:
        raise ConsumerError(f"cannot read {topic}[{partition}] from {result.next_offset}: {exc!r}") from exc
    finally:
        if own:
            consumer.close()
    return result


def read_all(bootstrap: str, topic: str, *, timeout_s: float = 60.0) -> list[RawRecord]:
    """Every record of every partition (tests and small tools; not for big topics)."""
    records: list[RawRecord] = []
    with open_consumer(bootstrap) as consumer:
        tps = [TopicPartition(topic, p) for p in _partitions(consumer, topic, 10.0)]
        earliest = consumer.beginning_offsets(tps)
        for tp in tps:
            partition, offset = tp.partition, earliest[tp]
            while True:
                part = read_range(bootstrap, topic, partition, offset, consumer=consumer, timeout_s=timeout_s)
                records.extend(part.records)
                offset = part.next_offset
                if part.reached_end:
                    break
    return records
