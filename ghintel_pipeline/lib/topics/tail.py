"""Reading the subscriber topics: a group-less reader over every partition, decoding and filters.

Shared by ``ghintel tail``, the API's SSE streams and the tests. No consumer group: ``assign()``
at a start offset (a group join takes ~23 s on the embedded broker, and a tail keeps no offsets).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import orjson
from confluent_kafka import OFFSET_BEGINNING

from ghintel_pipeline.lib.kafka import client as kafka
from ghintel_pipeline.lib.kafka.client import Consumer

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
) -> Consumer:
    """A consumer assigned to every partition of ``topic``, at its start or its end."""
    consumer = kafka.new_consumer(
        bootstrap, timeout_s=timeout_s, **{"auto.offset.reset": "earliest", "enable.partition.eof": False}
    )
    try:
        parts = kafka.partitions(consumer, topic, wait_s=timeout_s)
        if not parts:
            raise LookupError(f"topic {topic!r} does not exist on {bootstrap}")
        if from_beginning:
            starts = dict.fromkeys(parts, OFFSET_BEGINNING)
        else:
            # Tansu's end offset is the last batch's base + 1, so "from the end" can replay that
            # last batch once; harmless for a live tail.
            starts = kafka.watermarks(consumer, topic, parts)[1]
        consumer.assign([kafka.TopicPartition(topic, p, offset) for p, offset in starts.items()])
    except BaseException:
        consumer.close()
        raise
    return consumer


def decode(msg) -> TopicMessage:
    key = msg.key()
    value = msg.value()
    return TopicMessage(
        topic=msg.topic(),
        partition=msg.partition(),
        offset=msg.offset(),
        timestamp_ms=kafka.timestamp_ms(msg),
        key=key.decode() if key else None,
        headers={k: (v or b"").decode("utf-8", "replace") for k, v in kafka.headers_of(msg)},
        value=orjson.loads(value),
        raw=value,
    )


def poll_messages(
    consumer: Consumer, timeout_ms: int = 500, max_records: int = 2000
) -> Iterator[TopicMessage]:
    for msg in consumer.consume(num_messages=max_records, timeout=timeout_ms / 1000):
        if msg.error() is None:
            yield decode(msg)


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
