"""Reading the subscriber topics: a group-less reader over every partition, decoding and filters.

Shared by ``ghintel tail``, the API's SSE streams and the tests. No consumer group: ``assign()``
plus a seek (a group join takes ~23 s on the embedded broker, and a tail keeps no offsets).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import orjson
from kafka import KafkaConsumer, TopicPartition

FILTER_FIELDS = {"repo": "repo_name", "org": "org_login", "type": "event_type", "actor": "actor_login"}
ANOMALY_FILTER_FIELDS = {"repo": "entity", "org": "entity", "type": "metric", "actor": None}


@dataclass(frozen=True)
class TopicMessage:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: str | None
    headers: dict[str, str]
    value: dict
    raw: bytes


def open_reader(
    bootstrap: str, topic: str, *, from_beginning: bool = False, timeout_s: float = 10.0
) -> KafkaConsumer:
    """A consumer assigned to every partition of ``topic``, at its start or its end."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=30_000,
        check_crcs=False,
    )
    try:
        deadline = time.monotonic() + timeout_s
        parts = consumer.partitions_for_topic(topic)
        while not parts and time.monotonic() < deadline:
            time.sleep(0.2)
            parts = consumer.partitions_for_topic(topic)
        if not parts:
            raise LookupError(f"topic {topic!r} does not exist on {bootstrap}")
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        consumer.assign(tps)
        if from_beginning:
            consumer.seek_to_beginning(*tps)
        else:
            # Tansu's end offset is the last batch's base + 1, so "from the end" can replay that
            # last batch once; harmless for a live tail.
            for tp, offset in consumer.end_offsets(tps).items():
                consumer.seek(tp, offset)
    except BaseException:
        consumer.close()
        raise
    return consumer


def decode(record) -> TopicMessage:
    return TopicMessage(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp_ms=record.timestamp,
        key=record.key.decode() if record.key else None,
        headers={k: (v or b"").decode("utf-8", "replace") for k, v in record.headers or []},
        value=orjson.loads(record.value),
        raw=record.value,
    )


def poll_messages(
    consumer: KafkaConsumer, timeout_ms: int = 500, max_records: int = 2000
) -> Iterator[TopicMessage]:
    for records in consumer.poll(timeout_ms=timeout_ms, max_records=max_records).values():
        for record in records:
            yield decode(record)


def matches(
    value: dict, filters: dict[str, str | None], fields: dict[str, str | None] = FILTER_FIELDS
) -> bool:
    """Every given filter equals its field (case-insensitive); ``org`` of an event also matches the
    owner part of ``repo_name``, so user-owned repositories are found by owner."""
    for name, wanted in filters.items():
        if not wanted:
            continue
        column = fields.get(name)
        if column is None:
            return False
        got = str(value.get(column) or "").lower()
        wanted = wanted.lower()
        if name == "org" and column == "org_login":
            if got != wanted and str(value.get("repo_owner") or "").lower() != wanted:
                return False
        elif name == "org" and column == "entity":
            if got != wanted and not got.startswith(wanted + "/"):
                return False
        elif got != wanted:
            return False
    return True
