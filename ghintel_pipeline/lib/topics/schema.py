"""The subscriber topics and their messages: names and sizes from settings, one encoder per topic.

Every message is UTF-8 JSON with a stable key and headers naming its schema, so a consumer can
route without parsing the value. docs/topics.md is the reference for the fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ghintel_pipeline.lib.arrow_types import UTC_US
from ghintel_pipeline.lib.kafka.broker import ensure_topic
from ghintel_pipeline.lib.settings import TopicsSettings

CLEAN_SCHEMA = "EnrichedGitHubEventV1"
QUARANTINE_SCHEMA = "QuarantinedRecordV1"
ANOMALY_SCHEMA = "GoldAnomalyV1"
INVESTIGATION_SCHEMA = "AnomalyInvestigationV1"
# Raw quarantined records can be many MB (oversized is a quarantine reason); Apache Kafka refuses
# messages over max.message.bytes, so the topic carries a prefix and the lake keeps the whole record.
QUARANTINE_RAW_BYTES = 64 << 10
ANOMALY_KEY_COLUMNS = ("entity_type", "entity_id", "metric", "event_hour")
_JSON = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


@dataclass(frozen=True)
class Message:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


def subscriber_topics(settings: TopicsSettings) -> list[str]:
    return [settings.ghintel_clean_topic, settings.ghintel_quarantine_topic, settings.ghintel_anomalies_topic]


def ensure_subscriber_topics(bootstrap: str, settings: TopicsSettings) -> dict[str, int]:
    """Create the clean, quarantine and anomalies topics if missing: {topic: partitions}."""
    configs = {"retention.ms": str(settings.ghintel_topics_retention_ms)}
    return {
        name: ensure_topic(bootstrap, name, settings.ghintel_topics_partitions, configs=configs)
        for name in subscriber_topics(settings)
    }


def _headers(schema: str, source: str | None, version: int, committed_at: dt.datetime) -> list:
    return [
        ("ghintel-schema", schema.encode()),
        ("ghintel-schema-version", b"1"),
        ("ghintel-source", (source or "").encode()),
        ("ghintel-lake-version", str(version).encode()),
        ("ghintel-committed-at", orjson.dumps(committed_at, option=_JSON)[1:-1]),
    ]


def _messages(rows: pa.Table, records: list[dict], key: str, schema: str) -> list[Message]:
    """One message per change-feed row: its record as JSON, keyed by ``record[key]``, with the
    row's commit version and timestamp in the headers (shared by the rows of one commit)."""
    versions = rows.column("_commit_version").to_pylist()
    stamps = rows.column("_commit_timestamp").to_pylist()
    headers: dict[tuple, list] = {}
    out = []
    for r, version, stamp in zip(records, versions, stamps, strict=True):
        at = (r["source"], version, stamp)
        h = headers.get(at)
        if h is None:
            h = headers[at] = _headers(schema, *at)
        out.append(Message(r[key].encode(), orjson.dumps(r, option=_JSON), h))
    return out


def _iso_columns(rows: pa.Table) -> pa.Table:
    """Timestamps and dates as the ISO strings orjson writes for them, computed per column:
    building one datetime object per value is the largest cost of ``to_pylist``."""
    for i, f in enumerate(rows.schema):
        if pa.types.is_timestamp(f.type) and f.type.tz in ("UTC", "+00:00"):
            text = pc.strftime(rows.column(i).cast(UTC_US), "%Y-%m-%dT%H:%M:%S")
            text = pc.binary_join_element_wise(pc.replace_substring_regex(text, r"\.000000$", ""), "Z", "")
        elif pa.types.is_date32(f.type):
            text = rows.column(i).cast(pa.string())
        else:
            continue
        rows = rows.set_column(i, f.name, text)
    return rows


def clean_messages(rows: pa.Table, contract_fields: list[str]) -> list[Message]:
    """Change-feed rows of silver -> one message per event: the contract's fields, key event_id."""
    return _messages(rows, _iso_columns(rows.select(contract_fields)).to_pylist(), "event_id", CLEAN_SCHEMA)


def quarantine_messages(rows: pa.Table) -> list[Message]:
    """Change-feed rows of the quarantine table -> reason, message, coordinates and the raw prefix."""
    fields = [n for n in rows.column_names if not n.startswith("_") and n not in ("raw", "quarantine_date")]
    records = rows.select(fields).to_pylist()
    for row, raw in zip(records, rows.column("raw").to_pylist(), strict=True):
        raw = raw or b""
        row["raw"] = raw[:QUARANTINE_RAW_BYTES].decode("utf-8", "replace")
        row["raw_bytes"] = len(raw)
        row["raw_truncated"] = len(raw) > QUARANTINE_RAW_BYTES
    return _messages(rows, records, "raw_sha1", QUARANTINE_SCHEMA)


def anomaly_key(row: dict) -> str:
    hour = row["event_hour"]
    hour = hour.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(hour, dt.datetime) else str(hour)
    return f"{row['entity_type']}:{row['entity_id']}:{row['metric']}:{hour}"


def anomaly_messages(rows: list[dict], version: int, committed_at: dt.datetime) -> list[Message]:
    return [
        Message(
            anomaly_key(row).encode(),
            orjson.dumps(row, option=_JSON),
            _headers(ANOMALY_SCHEMA, "gold", version, committed_at),
        )
        for row in rows
    ]


def investigation_messages(rows: list[dict], version: int, committed_at: dt.datetime) -> list[Message]:
    """Rows of ``gold/anomaly_investigations`` on the anomalies topic, keyed apart from the anomalies
    (``investigation:<anomaly_id>``) so a consumer can tell them by key or by schema header."""
    return [
        Message(
            f"investigation:{row['anomaly_id']}".encode(),
            orjson.dumps({**row, "report": orjson.loads(row["report"])}, option=_JSON),
            _headers(INVESTIGATION_SCHEMA, "agents", version, committed_at),
        )
        for row in rows
    ]
