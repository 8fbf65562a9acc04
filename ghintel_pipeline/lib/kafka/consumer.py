"""Read exact offset ranges of a topic with ``assign()`` at an offset: no consumer group, no commits.

Consumer groups cost a ~23 s join on Tansu and would commit offsets the lakehouse does not want
(its offsets live in Delta), so every read here is an explicit ``(partition, start, end)`` range.

Tansu quirk, read before using ``topic_offsets``: ``ListOffsets(latest)`` returns *the base
offset of the last record batch + 1*, not the high watermark. After a producer wrote one batch
of 500 records at offsets 1000..1499, Tansu reports end = 1001 while records up to 1499 are
readable. Apache Kafka reports 1500. So:

- ``end`` from :func:`topic_offsets` is a lower bound of what is readable on Tansu (exact on
  Kafka). It still grows when new data arrives, so it works as a "something new?" signal, but
  never size a batch from ``end - start`` and never treat ``end < my position`` as proof that the
  topic was reset.
- :func:`read_range` with ``end_exclusive=None`` therefore ignores ``end`` as a stop condition
  while data keeps coming: it reads until a fetch reaches the high watermark (librdkafka's
  end-of-partition event) or returns nothing (``reached_end=True``), or until ``max_records`` /
  ``max_bytes``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ghintel_pipeline.lib.kafka.client import (
    OUT_OF_RANGE,
    Consumer,
    KafkaError,
    KafkaException,
    KafkaUnreachable,
    TopicPartition,
    headers_of,
    new_consumer,
    partitions,
    timestamp_ms,
    watermarks,
)

# Poll this long before deciding "nothing more to read" when no end-of-partition event came. A
# fetch with data returns as soon as the broker has some and an empty one after fetch.wait.max.ms
# (100 ms), so an empty poll of this length means several fetches found no record at the position.
# Tansu also answers a fetch *past* the end with nothing instead of OffsetOutOfRange.
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


def _consumer(bootstrap: str, *, max_bytes: int | None = None, timeout_s: float = 10.0) -> Consumer:
    partition_bytes = (
        8 * 1024 * 1024 if max_bytes is None else max(1024 * 1024, min(max_bytes, 64 * 1024 * 1024))
    )
    try:
        return new_consumer(
            bootstrap,
            timeout_s=timeout_s,
            **{
                "max.partition.fetch.bytes": partition_bytes,
                "fetch.max.bytes": max(partition_bytes, 50 * 1024 * 1024),
                "socket.timeout.ms": max(int(timeout_s * 1000), 5_000),
            },
        )
    except KafkaUnreachable as exc:
        raise ConsumerError(str(exc)) from exc


@contextmanager
def open_consumer(
    bootstrap: str, *, max_bytes: int | None = None, timeout_s: float = 10.0
) -> Iterator[Consumer]:
    """A group-less consumer for repeated :func:`read_range` calls (saves a bootstrap per call)."""
    consumer = _consumer(bootstrap, max_bytes=max_bytes, timeout_s=timeout_s)
    try:
        yield consumer
    finally:
        consumer.close()


def _partitions(consumer: Consumer, topic: str, timeout_s: float) -> list[int]:
    try:
        parts = partitions(consumer, topic, timeout_s)
    except KafkaException as exc:
        raise ConsumerError(f"cannot list partitions of {topic!r}: {exc}") from exc
    if not parts:
        raise ConsumerError(f"topic {topic!r} not found")
    return parts


def topic_offsets(bootstrap: str, topic: str, *, timeout_s: float = 10.0) -> dict[int, tuple[int, int]]:
    """``{partition: (earliest, end)}``. On Tansu ``end`` is a lower bound (see module doc)."""
    with open_consumer(bootstrap, timeout_s=timeout_s) as consumer:
        parts = _partitions(consumer, topic, timeout_s)
        try:
            earliest, end = watermarks(consumer, topic, parts, timeout_s)
        except KafkaException as exc:
            raise ConsumerError(f"cannot list offsets of {topic!r}: {exc}") from exc
        return {p: (earliest[p], end[p]) for p in parts}


def read_range(
    bootstrap: str,
    topic: str,
    partition: int,
    start: int,
    end_exclusive: int | None = None,
    max_records: int = 100_000,
    max_bytes: int = 256 * 1024 * 1024,
    *,
    consumer: Consumer | None = None,
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
    deadline = time.monotonic() + timeout_s
    try:
        consumer.assign([TopicPartition(topic, partition, start)])
        while not result.reached_end and len(result.records) < max_records and result.bytes < max_bytes:
            if time.monotonic() > deadline:
                raise ConsumerError(
                    f"reading {topic}[{partition}] from {result.next_offset} "
                    f"did not finish within {timeout_s:.0f}s"
                )
            batch = consumer.consume(
                num_messages=min(10_000, max_records - len(result.records)), timeout=END_POLL_MS / 1000
            )
            if not batch:
                result.reached_end = True
                break
            for msg in batch:
                if not _take(msg, result, partition, end_exclusive, max_records, max_bytes):
                    break
            if end_exclusive is not None and result.next_offset >= end_exclusive:
                result.reached_end = True
    except KafkaException as exc:
        raise ConsumerError(f"cannot read {topic}[{partition}] from {result.next_offset}: {exc!r}") from exc
    finally:
        if own:
            consumer.close()
        else:
            consumer.unassign()
    return result


def _take(msg, result: RangeRead, partition: int, end_exclusive, max_records: int, max_bytes: int) -> bool:
    """Add one consumed message to ``result``; False once the read is complete."""
    err = msg.error()
    if err is not None:
        if err.code() == KafkaError._PARTITION_EOF:
            if msg.partition() == partition and msg.offset() >= result.next_offset:
                result.reached_end = True
                return False
            return True
        if err.code() in OUT_OF_RANGE:
            raise ConsumerError(f"offset {result.next_offset} is outside the log of partition {partition}")
        if err.fatal() or not err.retriable():
            raise KafkaException(err)
        return True  # transient (broker connection): the deadline bounds the read
    offset = msg.offset()
    if msg.partition() != partition or offset < result.next_offset:
        return True  # a fetch may start at a batch's base offset before our position
    if end_exclusive is not None and offset >= end_exclusive:
        result.reached_end = True
        return False
    if len(result.records) >= max_records or (result.records and result.bytes >= max_bytes):
        return False
    value = msg.value()
    result.records.append(
        RawRecord(msg.topic(), partition, offset, timestamp_ms(msg), msg.key(), value, headers_of(msg))
    )
    result.bytes += len(value or b"")
    result.next_offset = offset + 1
    return True


def read_all(bootstrap: str, topic: str, *, timeout_s: float = 60.0) -> list[RawRecord]:
    """Every record of every partition (tests and small tools; not for big topics)."""
    records: list[RawRecord] = []
    with open_consumer(bootstrap) as consumer:
        parts = _partitions(consumer, topic, 10.0)
        earliest, _end = watermarks(consumer, topic, parts)
        for partition in parts:
            offset = earliest[partition]
            while True:
                part = read_range(bootstrap, topic, partition, offset, consumer=consumer, timeout_s=timeout_s)
                records.extend(part.records)
                offset = part.next_offset
                if part.reached_end:
                    break
    return records
