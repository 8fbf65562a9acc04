"""Bronze -> silver: apply the contract, quarantine what fails, insert events new by ``event_id``.

Silver keeps its own high-water mark per Kafka partition (txn ``ghintel-silver:{topic}:{p}``) in
the same commit as the insert, so a crash anywhere re-processes the same bronze rows, and the
insert (of ids silver does not hold, first delivery wins; ``merge_events``) makes that harmless.
Quarantine has its own txns, so a row is quarantined once even when the silver insert after it
did not happen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import DeltaTable, Transaction
from deltalake.exceptions import CommitFailedError

from ghintel_pipeline.lib.lake.faults import fault_point
from ghintel_pipeline.lib.lake.offsets import (
    bronze_app_id,
    current_epoch,
    quarantine_app_id,
    silver_app_id,
    silver_date_app_id,
    stored_offsets,
)
from ghintel_pipeline.lib.lake.storage import (
    BRONZE,
    QUARANTINE,
    QUARANTINE_SCHEMA,
    SILVER,
    UTC_US,
    ensure_table,
    open_table,
    table_dataset,
    write_table,
)
from ghintel_pipeline.lib.records import AsDict
from ghintel_pipeline.lib.settings import Settings

Progress = Callable[[str, int], None]
LINEAGE = ["kafka_topic", "kafka_partition", "kafka_offset", "ingested_at"]
BRONZE_READ_COLUMNS = [
    "value",
    "source",
    "kafka_topic",
    "kafka_partition",
    "kafka_offset",
    "kafka_epoch",
    "gharchive_hour",
    "line_number",
    "ingested_at",
]
MAX_CONFLICTS = 20


@dataclass
class SilverSummary(AsDict):
    rows_read: int = 0  # bronze rows processed = silver_written + duplicates + quarantined
    silver_written: int = 0
    duplicates: int = 0
    quarantined: int = 0
    commits: int = 0
    offsets: dict[int, dict[str, int]] = field(default_factory=dict)
    event_hours_touched: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, counts: ChunkCounts) -> None:
        self.rows_read += counts.rows
        self.silver_written += counts.inserted
        self.duplicates += counts.duplicates
        self.quarantined += counts.quarantined
        self.event_hours_touched = sorted(set(self.event_hours_touched) | counts.hours)


@dataclass
class ChunkCounts:
    rows: int
    inserted: int
    duplicates: int
    quarantined: int
    hours: set[str]


@dataclass
class Validated:
    events: pa.Table  # silver rows, deduplicated on event_id (first row in bronze order wins)
    quarantine: pa.Table  # QUARANTINE_SCHEMA rows
    batch_duplicates: int

    def counts(self, rows: int, inserted: int) -> ChunkCounts:
        """What one merge of these events did: rows read, new, duplicates (in batch or in silver)."""
        return ChunkCounts(
            rows=rows,
            inserted=inserted,
            duplicates=self.batch_duplicates + self.events.num_rows - inserted,
            quarantined=self.quarantine.num_rows,
            hours=touched_hours(self.events) if inserted else set(),
        )


def validate_rows(
    settings: Settings, rows: pa.Table, now: dt.datetime | None = None, *, values: list[bytes] | None = None
) -> Validated:
    """Run the contract over bronze rows (BRONZE_READ_COLUMNS, in offset order). ``values``: the
    rows' ``value`` column as bytes when the caller still holds them (no rebuild from Arrow)."""
    from ghintel_pipeline.lib.contracts import validate_to_arrow

    now = now or dt.datetime.now(dt.UTC)
    if values is None:
        values = rows.column("value").to_pylist()
    elif len(values) != rows.num_rows:
        raise ValueError(f"{len(values)} values for {rows.num_rows} rows")
    result = validate_to_arrow(
        values,
        source=rows.column("source").to_pylist(),
        max_bytes=settings.ghintel_max_event_bytes,
    )
    events = result.events
    lineage = rows.select(LINEAGE)
    if len(result.event_index) < rows.num_rows:
        lineage = lineage.take(pa.array(result.event_index, pa.int64()))
    for name in LINEAGE:
        events = events.append_column(name, lineage.column(name))
    before = events.num_rows
    # Re-taking every column (multi-kilobyte payloads) only when the batch does repeat an id.
    if before and pc.count_distinct(events.column("event_id")).as_py() < before:
        events = events.append_column("__row", pa.array(range(before), pa.int64()))
        first = events.group_by("event_id", use_threads=False).aggregate([("__row", "min")])
        keep = pc.sort_indices(first.column("__row_min"))
        events = events.take(pc.take(first.column("__row_min"), keep)).drop_columns(["__row"])
    q_index = pa.array([i for i, _ in result.quarantined], pa.int64())
    q_rows = rows.take(q_index)
    raws = q_rows.column("value").to_pylist()
    quarantine = pa.table(
        {
            "raw": q_rows.column("value"),
            "reason": pa.array([q.reason for _, q in result.quarantined], pa.string()),
            "message": pa.array([q.message for _, q in result.quarantined], pa.string()),
            "source": q_rows.column("source"),
            "kafka_topic": q_rows.column("kafka_topic"),
            "kafka_partition": q_rows.column("kafka_partition"),
            "kafka_offset": q_rows.column("kafka_offset"),
            "kafka_epoch": q_rows.column("kafka_epoch"),
            "gharchive_hour": q_rows.column("gharchive_hour"),
            "raw_sha1": pa.array([hashlib.sha1(r or b"").hexdigest() for r in raws], pa.string()),
            "quarantined_at": pa.array([now] * len(raws), UTC_US),
            "quarantine_date": pa.array([now.date()] * len(raws), pa.date32()),
        },
        schema=QUARANTINE_SCHEMA,
    )
    return Validated(events, quarantine, before - events.num_rows)


def merge_events(silver: DeltaTable, events: pa.Table, txns: list[Transaction], meta: dict) -> int:
    """Insert events whose (event_id, event_date) is not in silver yet; returns rows inserted.

    An insert-only merge without delta-rs' MERGE: read the ids silver already holds in the touched
    date partitions (only the event_id column, of the files whose id statistics overlap the batch's
    range), drop those events, append the rest. A MERGE wrote every row twice (data files and
    _change_data); an append writes it once, and change-feed readers take its inserts from the add
    actions. What a MERGE got from conflict detection comes from ``date_lock_txns``: the commit
    carries one txn per touched date, so a concurrent writer of the same dates (whose rows this
    read did not see) makes it fail with CommitFailedError, and the caller re-reads and retries."""
    if events.num_rows == 0:
        _record_txns_only(silver, events.schema, txns, meta)
        return 0
    dates = pc.unique(events.column("event_date"))
    new = events.filter(pc.invert(_stored_mask(silver, events, dates)))
    if new.num_rows == 0:
        _record_txns_only(silver, events.schema, txns, meta)
        return 0
    write_table(
        silver, SILVER, new, txns=[*txns, *date_lock_txns(silver, dates)], meta=meta, schema_mode="merge"
    )
    return new.num_rows


def date_lock_txns(silver: DeltaTable, dates: pa.Array) -> list[Transaction]:
    """One txn per event_date an insert touches (version: the snapshot it read, plus one). Two
    commits that carry the same app id conflict, so two writers that each checked the same date's
    ids against an older snapshot can never both commit: the second re-reads and drops the ids the
    first inserted. Writers of different dates never contend."""
    version = silver.version() + 1
    return [Transaction(silver_date_app_id(d.isoformat()), version) for d in sorted(dates.to_pylist())]


def _stored_mask(silver: DeltaTable, events: pa.Table, dates: pa.Array) -> pa.Array:
    """True for each event whose (event_id, event_date) silver holds. Any such row lies in the
    batch's [min id, max id] (string order, as the file statistics): files written for other id
    ranges are skipped, so the check costs the same against a full partition as an empty one."""
    ids = events.column("event_id")
    lo, hi = pc.min(ids).as_py(), pc.max(ids).as_py()
    flt = ds.field("event_date").isin(dates) & (ds.field("event_id") >= lo) & (ds.field("event_id") <= hi)
    stored = table_dataset(silver).to_table(filter=flt, columns=["event_id", "event_date"])
    mask = pc.is_in(ids, value_set=stored.column("event_id").combine_chunks())
    if not pc.any(mask).as_py():
        return mask
    # Same id under another date is a different row to the (event_id, event_date) key: keep it.
    candidates = events.filter(mask).select(["event_id", "event_date"])
    matched = candidates.join(stored, keys=["event_id", "event_date"], join_type="left semi")
    return pc.is_in(ids, value_set=matched.column("event_id").combine_chunks())


def _record_txns_only(silver: DeltaTable, schema: pa.Schema, txns: list[Transaction], meta: dict) -> None:
    # Nothing to insert, but the high-water marks must still move or the chunk is re-read forever.
    if txns:
        write_table(silver, SILVER, schema.empty_table(), txns=txns, meta=meta)


def touched_hours(events: pa.Table) -> set[str]:
    hours = pc.unique(events.column("event_hour")).to_pylist()
    return {h.strftime("%Y-%m-%dT%H:00:00Z") for h in hours}


def _quarantine_kafka_rows(
    settings: Settings, quarantine: pa.Table, ranges: dict[tuple[int, int], int], topic: str
) -> None:
    """Append quarantined Kafka rows once: rows at or below the quarantine txn were written before."""
    for _ in range(MAX_CONFLICTS):
        table = ensure_table(settings, QUARANTINE)
        keep = quarantine
        versions = dict(ranges)
        for (epoch, p), last in ranges.items():
            stored = table.transaction_version(quarantine_app_id(topic, p, epoch))
            if stored is not None:
                versions[(epoch, p)] = max(last, stored)  # a txn must never move backwards
                mine = pc.and_(
                    pc.equal(keep.column("kafka_epoch"), epoch), pc.equal(keep.column("kafka_partition"), p)
                )
                keep = keep.filter(
                    pc.invert(pc.and_(mine, pc.less_equal(keep.column("kafka_offset"), stored)))
                )
        if keep.num_rows == 0:
            return
        txns = [Transaction(quarantine_app_id(topic, p, e), v) for (e, p), v in sorted(versions.items())]
        try:
            write_table(table, QUARANTINE, keep, txns=txns)
            return
        except CommitFailedError:
            time.sleep(0.05)
    raise RuntimeError("quarantine commit kept conflicting")


def _pending(bronze: DeltaTable, silver: DeltaTable, topic: str) -> list[tuple[int, int, int, int]]:
    """(epoch, partition, silver high-water mark, bronze last offset) for partitions behind."""
    pending = []
    for epoch in range(current_epoch(bronze, topic) + 1):
        done = stored_offsets(silver, silver_app_id, topic, epoch)
        for p, last in stored_offsets(bronze, bronze_app_id, topic, epoch).items():
            hwm = done.get(p, -1)
            if last > hwm:
                pending.append((epoch, p, hwm, last))
    return pending


def _read_bronze(bronze: DeltaTable, topic: str, pending, max_rows: int) -> pa.Table:
    share = max(1, max_rows // len(pending))
    clauses = None
    for epoch, p, hwm, last in pending:
        clause = (
            (ds.field("kafka_epoch") == epoch)
            & (ds.field("kafka_partition") == p)
            & (ds.field("kafka_offset") > hwm)
            & (ds.field("kafka_offset") <= min(last, hwm + share))
        )
        clauses = clause if clauses is None else clauses | clause
    flt = (ds.field("kafka_topic") == topic) & clauses
    # Low read-ahead: the rows are multi-kilobyte and a chunk is small; default read-ahead decodes
    # several whole files at once and doubles peak memory for no speed here.
    rows = table_dataset(bronze).to_table(
        filter=flt, columns=BRONZE_READ_COLUMNS, batch_readahead=2, fragment_readahead=1
    )
    return rows.sort_by(
        [("kafka_epoch", "ascending"), ("kafka_partition", "ascending"), ("kafka_offset", "ascending")]
    )


def _promote_chunk(
    settings: Settings, silver: DeltaTable, rows: pa.Table, ranges: dict, summary: SilverSummary
) -> None:
    """Validate, quarantine and merge one chunk of Kafka rows, moving silver's high-water marks to
    the chunk's last offsets in the merge commit. Raises CommitFailedError on a concurrent writer."""
    topic = settings.ghintel_topic
    validated = validate_rows(settings, rows)
    if validated.quarantine.num_rows:
        _quarantine_kafka_rows(settings, validated.quarantine, {k: v[1] for k, v in ranges.items()}, topic)
    fault_point("quarantine")
    txns = [Transaction(silver_app_id(topic, p, e), hi) for (e, p), (_lo, hi) in sorted(ranges.items())]
    fault_point("merge")
    inserted = merge_events(silver, validated.events, txns, {"ghintel.operation": "promote_kafka"})
    summary.commits += 1
    summary.add(validated.counts(rows.num_rows, inserted))
    for (_e, p), (lo, hi) in ranges.items():
        entry = summary.offsets.setdefault(p, {"first": lo})
        entry["last"] = hi


def promote_committed_rows(settings: Settings, rows: pa.Table, summary: SilverSummary) -> bool:
    """Fast path right after a bronze commit: promote the rows just written without reading them
    back, when silver's high-water marks end exactly before them. False = left to the read path."""
    silver = ensure_table(settings, SILVER)
    ranges = _ranges(rows)
    for (epoch, p), (lo, _hi) in ranges.items():
        hwm = silver.transaction_version(silver_app_id(settings.ghintel_topic, p, epoch))
        if (-1 if hwm is None else hwm) != lo - 1:
            return False
    try:
        _promote_chunk(settings, silver, rows.select(BRONZE_READ_COLUMNS), ranges, summary)
    except CommitFailedError:
        return False
    return True


def promote_bronze_to_silver(
    settings: Settings,
    *,
    progress: Progress | None = None,
    max_rows: int = 10_000,
    summary: SilverSummary | None = None,
) -> SilverSummary:
    """Promote every bronze Kafka row above silver's high-water marks, ``max_rows`` per commit."""
    started = time.monotonic()
    summary = summary or SilverSummary()
    topic = settings.ghintel_topic
    conflicts = 0
    while True:
        bronze = open_table(settings, BRONZE)
        if bronze is None:
            break
        silver = ensure_table(settings, SILVER)
        pending = _pending(bronze, silver, topic)
        if not pending:
            break
        rows = _read_bronze(bronze, topic, pending, max_rows)
        ranges = _ranges(rows)
        if not ranges:
            raise RuntimeError(
                f"bronze txns are ahead of its rows for {pending}; the bronze table is damaged"
            )
        _check_contiguous(ranges, pending)
        try:
            _promote_chunk(settings, silver, rows, ranges, summary)
        except CommitFailedError:
            # Another promoter (or a backfill) committed to the same partitions: re-plan from the log.
            conflicts += 1
            if conflicts > MAX_CONFLICTS:
                raise
            time.sleep(0.05 * conflicts)
            continue
        if progress:
            progress("silver", summary.rows_read)
    summary.seconds = round(summary.seconds + time.monotonic() - started, 3)
    return summary


def _ranges(rows: pa.Table) -> dict[tuple[int, int], tuple[int, int]]:
    if rows.num_rows == 0:
        return {}
    grouped = rows.group_by(["kafka_epoch", "kafka_partition"]).aggregate(
        [("kafka_offset", "min"), ("kafka_offset", "max"), ("kafka_offset", "count")]
    )
    out = {}
    for r in grouped.to_pylist():
        if r["kafka_offset_max"] - r["kafka_offset_min"] + 1 != r["kafka_offset_count"]:
            raise RuntimeError(f"bronze partition {r['kafka_partition']} has a gap or duplicate offsets")
        out[(r["kafka_epoch"], r["kafka_partition"])] = (r["kafka_offset_min"], r["kafka_offset_max"])
    return out


def _check_contiguous(ranges, pending) -> None:
    """Each partition's rows must start right after silver's high-water mark (no skipped offsets)."""
    expected = {(e, p): hwm + 1 for e, p, hwm, _last in pending}
    for key, (lo, _hi) in ranges.items():
        if key in expected and lo != expected[key] and expected[key] != 0:
            raise RuntimeError(
                f"bronze offsets for epoch/partition {key} start at {lo}, expected {expected[key]}"
            )
