"""Where the lake's tables live, their schemas, and how they are opened (local folder or s3://)."""

from __future__ import annotations

import os
from array import array
from itertools import accumulate

import pyarrow as pa
import pyarrow.dataset as pa_ds
import pyarrow.fs as pa_fs
from deltalake import (
    ColumnProperties,
    CommitProperties,
    DeltaTable,
    Transaction,
    WriterProperties,
    write_deltalake,
)
from deltalake.exceptions import TableNotFoundError

from ghintel_pipeline.lib.arrow_types import UTC_US
from ghintel_pipeline.lib.settings import LakeSettings, only_set

BRONZE = ("bronze", "github_events")
SILVER = ("silver", "github_events")
QUARANTINE = ("silver", "github_events_quarantine")
# No rows: its commits carry the txns and metadata of what was published to the subscriber topics.
PUBLISH_LOG = ("topics", "publish_log")
PUBLISH_LOG_SCHEMA = pa.schema([pa.field("note", pa.string())])

# Where a row was read from Kafka: (topic, partition, offset) within the bronze log's epoch.
KAFKA_POSITION_FIELDS = [
    pa.field("kafka_topic", pa.string()),
    pa.field("kafka_partition", pa.int32()),
    pa.field("kafka_offset", pa.int64()),
    pa.field("kafka_epoch", pa.int32()),
]


def _written_fields(at: str, date: str) -> list[pa.Field]:
    """When the lake wrote a row, and the date partition taken from it (see PARTITION_BY)."""
    return [pa.field(at, UTC_US), pa.field(date, pa.date32())]


# One row per Kafka record (or per GH Archive line for a backfill), bytes exactly as received.
BRONZE_SCHEMA = pa.schema(
    [
        pa.field("value", pa.binary()),
        pa.field("kafka_key", pa.binary()),
        *KAFKA_POSITION_FIELDS,
        pa.field("kafka_timestamp", UTC_US),
        pa.field("kafka_headers", pa.string()),
        pa.field("source", pa.string()),
        pa.field("gharchive_hour", pa.string()),
        pa.field("line_number", pa.int64()),
        *_written_fields("ingested_at", "ingest_date"),
    ]
)

# Added by the lakehouse to the contract's SILVER_EVENT_SCHEMA.
SILVER_LINEAGE_FIELDS = [*KAFKA_POSITION_FIELDS[:3], pa.field("ingested_at", UTC_US)]

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("raw", pa.binary()),
        pa.field("reason", pa.string()),
        pa.field("message", pa.string()),
        pa.field("source", pa.string()),
        *KAFKA_POSITION_FIELDS,
        pa.field("gharchive_hour", pa.string()),
        pa.field("raw_sha1", pa.string()),
        *_written_fields("quarantined_at", "quarantine_date"),
    ]
)

# Stats only on columns we filter on: min/max of multi-kilobyte payload columns would bloat the log.
_STATS_COLUMNS = {
    BRONZE: "kafka_topic,kafka_partition,kafka_offset,kafka_epoch,gharchive_hour,ingested_at",
    SILVER: "event_id,event_type,created_at,event_hour,repo_id,actor_id,kafka_partition,kafka_offset",
    QUARANTINE: "reason,kafka_partition,kafka_offset,kafka_epoch,gharchive_hour,quarantined_at",
    PUBLISH_LOG: "note",
}
PARTITION_BY = {
    BRONZE: ["ingest_date"],
    SILVER: ["event_date"],
    QUARANTINE: ["quarantine_date"],
    PUBLISH_LOG: [],
}
# The topic publisher reads what each commit inserted from the change data feed (lib/topics).
CHANGE_FEED = {SILVER, QUARANTINE}


def lake_table_uri(settings: LakeSettings, layer: str, table: str) -> str:
    root = settings.lake_root.rstrip("/")
    if "://" not in root:
        os.makedirs(root, exist_ok=True)
    return f"{root}/{layer}/{table}"


def storage_options(settings: LakeSettings) -> dict | None:
    """delta-rs object-store options for an s3:// lake; None for a local folder."""
    if not settings.lake_root.startswith(("s3://", "s3a://")):
        return None
    return only_set(
        {
            "AWS_ENDPOINT_URL": settings.ghintel_s3_endpoint_url,
            "AWS_ACCESS_KEY_ID": settings.aws_access_key_id,
            "AWS_SECRET_ACCESS_KEY": settings.aws_secret_access_key,
            "AWS_REGION": settings.aws_region,
            "AWS_ALLOW_HTTP": "true" if settings.ghintel_s3_allow_http else None,
            "conditional_put": settings.ghintel_s3_conditional_put,
            "AWS_S3_ALLOW_UNSAFE_RENAME": "true" if settings.aws_s3_allow_unsafe_rename else None,
        }
    )


def binary_array(values: list[bytes]) -> pa.Array:
    """``pa.array(values, pa.binary())`` built from one joined buffer and its offsets: about 10x
    cheaper for the multi-kilobyte lines of an hour (one memcpy instead of a copy per value)."""
    if None in values:  # a Kafka tombstone
        return pa.array(values, pa.binary())
    data = b"".join(values)
    if len(data) >= 2**31:  # beyond int32 offsets
        return pa.array(values, pa.binary())
    offsets = array("i", accumulate(map(len, values), initial=0))
    return pa.Array.from_buffers(pa.binary(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def silver_schema() -> pa.Schema:
    from ghintel_pipeline.lib.contracts import SILVER_EVENT_SCHEMA

    return pa.schema(list(SILVER_EVENT_SCHEMA) + SILVER_LINEAGE_FIELDS)


def schema_of(which: tuple[str, str]) -> pa.Schema:
    schemas = {BRONZE: BRONZE_SCHEMA, QUARANTINE: QUARANTINE_SCHEMA, PUBLISH_LOG: PUBLISH_LOG_SCHEMA}
    return schemas.get(which) or silver_schema()


def open_table(settings: LakeSettings, which: tuple[str, str]) -> DeltaTable | None:
    try:
        return DeltaTable(lake_table_uri(settings, *which), storage_options=storage_options(settings))
    except TableNotFoundError:
        return None


def table_dataset(table: DeltaTable, **kwargs) -> pa_ds.Dataset:
    """``table.to_pyarrow_dataset(**kwargs)``, on arrow's native filesystem for a local table.

    delta-rs wraps its object store in ``pyarrow.fs.PyFileSystem`` by default, so arrow's C++ I/O
    threads call back into Python. A scan left unfinished (``head()``, an early ``break``, readahead
    still in flight) then has those threads take the GIL while the interpreter finalizes; Python
    ends them with ``pthread_exit`` inside C++ frames: "terminate called without an active
    exception" (exit 134) or a segfault at exit. Native local I/O never calls into Python. An
    ``s3://`` table keeps delta-rs' store, which holds its credentials and commit options."""
    uri = table.table_uri
    if "filesystem" not in kwargs and (uri.startswith("file://") or "://" not in uri):
        root = uri.removeprefix("file://").rstrip("/") or "/"
        kwargs["filesystem"] = pa_fs.SubTreeFileSystem(root, pa_fs.LocalFileSystem())
    return table.to_pyarrow_dataset(**kwargs)


def ensure_table(settings: LakeSettings, which: tuple[str, str]) -> DeltaTable:
    """Open the table, creating it empty first (``mode='ignore'`` makes racing creators harmless)."""
    table = open_table(settings, which)
    if table is not None:
        return table
    try:
        DeltaTable.create(
            lake_table_uri(settings, *which),
            schema_of(which),
            mode="ignore",
            partition_by=PARTITION_BY[which] or None,
            storage_options=storage_options(settings),
            configuration={
                "delta.dataSkippingStatsColumns": _STATS_COLUMNS[which],
                **({"delta.enableChangeDataFeed": "true"} if which in CHANGE_FEED else {}),
            },
        )
    except Exception:
        # Another process created it between our open and create: opening now succeeds.
        table = open_table(settings, which)
        if table is None:
            raise
        return table
    return DeltaTable(lake_table_uri(settings, *which), storage_options=storage_options(settings))


ROW_GROUP_ROWS = 20_000


def writer_properties(which: tuple[str, str]) -> WriterProperties:
    """zstd(1) everywhere; no dictionary or page statistics on the multi-kilobyte payload column,
    where both cost most of the write time (measured ~5x) and never help a reader."""
    big = {BRONZE: "value", SILVER: "payload_json", QUARANTINE: "raw"}[which]
    return WriterProperties(
        compression="ZSTD",
        compression_level=1,
        # Readers decode a whole row group at once: at the default size one group held an entire
        # 150k-event hour of bronze, and reading it back peaked above 1 GB.
        max_row_group_size=ROW_GROUP_ROWS,
        column_properties={big: ColumnProperties(dictionary_enabled=False, statistics_enabled="NONE")},
    )


def write_table(
    table: DeltaTable,
    which: tuple[str, str],
    data,
    *,
    mode: str = "append",
    predicate: str | None = None,
    txns: list[Transaction] | None = None,
    meta: dict[str, str] | None = None,
    schema_mode: str | None = None,
) -> None:
    """Write Arrow ``data`` (a table or a batch reader) to the lake table ``which`` with its
    partitioning and writer properties; ``txns``/``meta`` go into the same commit."""
    write_deltalake(
        table,
        data,
        mode=mode,
        predicate=predicate,
        schema_mode=schema_mode,
        partition_by=PARTITION_BY[which],
        writer_properties=writer_properties(which),
        commit_properties=CommitProperties(app_transactions=txns, custom_metadata=meta),
    )
