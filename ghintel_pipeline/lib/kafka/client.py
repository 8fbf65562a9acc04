"""The platform's one Kafka client library, confluent-kafka (librdkafka), configured in one place.

Every consumer here is group-less in effect: ``assign()`` with explicit offsets, nothing committed,
no offset store (the lakehouse keeps its offsets in Delta txns, a tail keeps none). librdkafka
still wants a ``group.id`` to build a consumer; it is never joined because nothing subscribes.

- ``auto.offset.reset=error``: a start offset outside the log surfaces as an error event
  (``_AUTO_OFFSET_RESET``), never as a silent jump.
- ``enable.partition.eof``: a fetch that reaches the high watermark reports ``_PARTITION_EOF``.
  The high watermark comes from fetch responses, which Tansu reports exactly, unlike its
  ``ListOffsets(latest)`` answer (see :func:`watermarks`).
- librdkafka runs its own threads: close every client (``close()`` / ``flush()``) before exit.
"""

from __future__ import annotations

import logging

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from ghintel_pipeline.lib.polling import poll_until

__all__ = ["Consumer", "KafkaError", "KafkaException", "TopicPartition"]

LOG = logging.getLogger("ghintel.kafka")  # librdkafka's own log lines (connection failures, ...)
UNUSED_GROUP = "ghintel-assign-only"
# Error events that mean "the position is outside the log" (offsets out of range).
OUT_OF_RANGE = (KafkaError._AUTO_OFFSET_RESET, KafkaError.OFFSET_OUT_OF_RANGE)


class KafkaUnreachable(RuntimeError):
    """No broker answered a metadata request in time."""


def consumer_config(bootstrap: str, **overrides) -> dict:
    config = {
        "bootstrap.servers": bootstrap,
        "group.id": UNUSED_GROUP,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "error",
        "enable.partition.eof": True,
        # Short broker-side waits so an empty fetch (= nothing more to read) answers quickly.
        "fetch.wait.max.ms": 100,
        "max.partition.fetch.bytes": 8 << 20,
        "fetch.max.bytes": 64 << 20,
        "reconnect.backoff.max.ms": 1000,
        "logger": LOG,
    }
    config.update(overrides)
    return config


def new_consumer(bootstrap: str, *, timeout_s: float = 10.0, **overrides) -> Consumer:
    """A consumer whose broker has answered one metadata request (else ``KafkaUnreachable``)."""
    consumer = Consumer(consumer_config(bootstrap, **overrides))
    try:
        consumer.list_topics(timeout=timeout_s)
    except KafkaException as exc:
        consumer.close()
        raise KafkaUnreachable(f"cannot reach Kafka at {bootstrap} within {timeout_s:.0f}s: {exc}") from exc
    return consumer


def partitions(client, topic: str, wait_s: float = 10.0) -> list[int] | None:
    """Sorted partition ids of ``topic``, or None when the broker does not know it within ``wait_s``
    (0: one metadata request)."""

    def lookup() -> list[int] | None:
        meta = client.list_topics(topic, timeout=10.0).topics.get(topic)
        if meta is None or meta.error is not None or not meta.partitions:
            return None
        return sorted(meta.partitions)

    if wait_s <= 0:
        return lookup()
    return poll_until(lookup, timeout_s=wait_s, interval_s=0.2)


def watermarks(
    consumer: Consumer, topic: str, parts: list[int], timeout_s: float = 10.0
) -> tuple[dict[int, int], dict[int, int]]:
    """``(earliest, end)`` per partition from ListOffsets.

    Tansu quirk: its ``ListOffsets(latest)`` is *the base offset of the last batch + 1*, not the
    high watermark (exact on Apache Kafka). Use ``end`` as a "something new?" signal only.
    """
    earliest, end = {}, {}
    for p in parts:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout_s, cached=False)
        earliest[p], end[p] = low, high
    return earliest, end


def fetched_high_watermark(consumer: Consumer, topic: str, partition: int) -> int | None:
    """The high watermark of the partition's last fetch response (exact on Tansu too), if any."""
    _low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), cached=True)
    return high if high >= 0 else None


def headers_of(message) -> tuple[tuple[str, bytes], ...]:
    return tuple(message.headers() or ())


def timestamp_ms(message) -> int | None:
    kind, value = message.timestamp()
    return value if kind != 0 and value >= 0 else None  # 0: TIMESTAMP_NOT_AVAILABLE
