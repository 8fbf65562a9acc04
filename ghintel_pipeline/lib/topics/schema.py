"""The subscriber topics and their messages: names and sizes from settings, one encoder per topic.

Every message is UTF-8 JSON with a stable key and headers naming its schema, so a consumer can
route without parsing the value. docs/topics.md is the reference for the fields.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import orjson
import pyarrow as pa

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


def _json_field(f: pa.Field) -> str:
    """One ``struct_pack`` entry: the column as orjson would write it (timestamps RFC 3339 UTC with
    the fraction only when there is one, dates ``YYYY-MM-DD``, everything else as is)."""
    name = '"' + f.name.replace('"', '""') + '"'
    if pa.types.is_timestamp(f.type):
        whole, fraction = "'%Y-%m-%dT%H:%M:%SZ'", "'%Y-%m-%dT%H:%M:%S.%fZ'"
        value = (
            f"CASE WHEN epoch_us({name}) % 1000000 = 0 THEN strftime({name}, {whole})"
            f" ELSE strftime({name}, {fraction}) END"
        )
    elif pa.types.is_date32(f.type):
        value = f"CAST({name} AS VARCHAR)"
    else:
        value = name
    return f"{name} := {value}"


def json_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB on one thread for ``json_values``: a new database costs about 50 ms of
    CPU on its first query, so a publisher keeps one (it is not shared between threads)."""
    return duckdb.connect(config={"threads": 1})


def json_values(rows: pa.Table, con: duckdb.DuckDBPyConnection | None = None) -> list[bytes]:
    """Each row of ``rows`` as one JSON object (its columns in order), serialised column-wise by
    DuckDB's ``to_json`` on one thread: no Python dict or datetime per row. Parses to what
    ``orjson.dumps(row, option=OPT_UTC_Z | OPT_NAIVE_UTC)`` of the row's dict gives (tested)."""
    if not rows.num_rows:
        return []
    for i, f in enumerate(rows.schema):
        if pa.types.is_timestamp(f.type):  # UTC wall time: DuckDB then needs no time zone (ICU)
            rows = rows.set_column(i, f.name, rows.column(i).cast(pa.timestamp("us")))
    fields = ", ".join(_json_field(f) for f in rows.schema)
    own = con is None
    con = json_connection() if own else con
    try:
        out = con.from_arrow(rows).select(f"CAST(to_json(struct_pack({fields})) AS BLOB) AS v")
        return out.to_arrow_table().column(0).to_pylist()
    finally:
        if own:
            con.close()


def _messages(rows: pa.Table, keys: list, values: list[bytes], schema: str) -> list[Message]:
    """One message per change-feed row: ``values[i]`` keyed by ``keys[i]``, with the row's commit
    version and timestamp in the headers (shared by the rows of one commit)."""
    sources = rows.column("source").to_pylist()
    versions = rows.column("_commit_version").to_pylist()
    stamps = rows.column("_commit_timestamp").to_pylist()
    headers: dict[tuple, list] = {}
    out = []
    for key, value, at in zip(keys, values, zip(sources, versions, stamps, strict=True), strict=True):
        h = headers.get(at)
        if h is None:
            h = headers[at] = _headers(schema, *at)
        out.append(Message(key.encode(), value, h))
    return out


def clean_messages(
    rows: pa.Table, contract_fields: list[str], con: duckdb.DuckDBPyConnection | None = None
) -> list[Message]:
    """Change-feed rows of silver -> one message per event: the contract's fields, key event_id."""
    values = json_values(rows.select(contract_fields), con)
    return _messages(rows, rows.column("event_id").to_pylist(), values, CLEAN_SCHEMA)


def quarantine_messages(rows: pa.Table) -> list[Message]:
    """Change-feed rows of the quarantine table -> reason, message, coordinates and the raw prefix."""
    fields = [n for n in rows.column_names if not n.startswith("_") and n not in ("raw", "quarantine_date")]
    records = rows.select(fields).to_pylist()
    for row, raw in zip(records, rows.column("raw").to_pylist(), strict=True):
        raw = raw or b""
        row["raw"] = raw[:QUARANTINE_RAW_BYTES].decode("utf-8", "replace")
        row["raw_bytes"] = len(raw)
        row["raw_truncated"] = len(raw) > QUARANTINE_RAW_BYTES
    values = [orjson.dumps(r, option=_JSON) for r in records]
    return _messages(rows, [r["raw_sha1"] for r in records], values, QUARANTINE_SCHEMA)


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
