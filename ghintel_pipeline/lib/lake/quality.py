"""What the quarantine holds, for the asset check, ``/health`` and ``GET /quality/quarantine``.

Reads only reason codes, our own messages, sources, hours and hashes: never the raw bytes (they may
hold anything a producer sent and stay for operators reading the table itself).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pds
from deltalake import DeltaTable

from ghintel_pipeline.lib.lake.storage import QUARANTINE, SILVER, open_table, table_dataset
from ghintel_pipeline.lib.settings import Settings

EXAMPLES_PER_GROUP = 3


def query(sql: str, params: list | None = None, **tables: pds.Dataset) -> list[tuple]:
    """Run ``sql`` on a fresh DuckDB connection with ``tables`` registered under their names."""
    con = duckdb.connect()
    try:
        for name, data in tables.items():
            con.register(name, data)
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _quarantine_since(settings: Settings, since: dt.datetime) -> pds.Dataset | None:
    table = open_table(settings, QUARANTINE)
    if table is None:
        return None
    return table.to_pyarrow_dataset(partitions=[("quarantine_date", ">=", since.date().isoformat())])


# (table URI, file path) -> (oldest, newest, non-NULL count) of the file's ingested_at. Delta files
# never change once written, so a file's span is read once per process.
_INGESTED: dict[tuple[str, str], tuple[dt.datetime, dt.datetime, int] | None] = {}


def ingested_since(table: DeltaTable, since: dt.datetime) -> int:
    """Silver rows with ``ingested_at >= since``: files wholly after ``since`` by their remembered
    span, files wholly before it skipped, only the files it cuts read (and new files once).

    It was one DuckDB count over every file's ingested_at per call (/health calls it every 15 s in
    each API worker: ~150 ms of CPU on 1M events, growing with history); delta-rs writes no
    statistics for the column, so the spans are read from the files themselves."""
    dataset = table_dataset(table)
    uri, total = table.table_uri, 0
    live = set()
    for fragment in dataset.get_fragments():
        key = (uri, fragment.path)
        live.add(key)
        column = None
        if key not in _INGESTED:
            column = fragment.to_table(columns=["ingested_at"])["ingested_at"]
            bounds = pc.min_max(column)
            low, high = bounds["min"].as_py(), bounds["max"].as_py()
            count = len(column) - column.null_count
            _INGESTED[key] = None if low is None else (_aware(low), _aware(high), count)
        span = _INGESTED[key]
        if span is None or span[1] < since:
            continue
        if span[0] >= since:
            total += span[2]
            continue
        if column is None:  # a file the cut falls in: its rows are compared
            column = fragment.to_table(columns=["ingested_at"])["ingested_at"]
        total += pc.sum(pc.greater_equal(column, pa.scalar(since, type=column.type))).as_py() or 0
    for key in [k for k in _INGESTED if k[0] == uri and k not in live]:
        _INGESTED.pop(key, None)  # files a compaction or vacuum removed
    return total


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def quarantine_share(settings: Settings, now: dt.datetime, window: dt.timedelta) -> dict:
    """Records quarantined vs accepted into silver during ``window`` before ``now``, by reason."""
    since = now - window
    quarantine = _quarantine_since(settings, since)
    silver = open_table(settings, SILVER)
    reasons: dict[str, int] = {}
    if quarantine is not None:
        rows = query(
            "select reason, count(*) from q where quarantined_at >= ? group by reason order by 2 desc",
            [since],
            q=quarantine,
        )
        reasons = {reason: count for reason, count in rows}
    accepted = 0 if silver is None else ingested_since(silver, since)
    quarantined = sum(reasons.values())
    total = quarantined + accepted
    return {
        "quarantined": quarantined,
        "accepted": accepted,
        "share": round(quarantined / total, 6) if total else 0.0,
        "reasons": reasons,
        "window_hours": round(window.total_seconds() / 3600, 3),
    }


def quarantine_report(settings: Settings, since: dt.datetime, until: dt.datetime, limit: int = 500) -> dict:
    """Quarantined records with ``since <= quarantined_at < until``, counted by (reason, source, hour).

    ``hour`` is the GH Archive file's hour for backfilled records, else the hour the record was
    quarantined. Each group carries up to three examples: message, raw_sha1 and Kafka coordinates.
    """
    data = _quarantine_since(settings, since)
    if data is None:
        return {"total": 0, "by_reason": {}, "groups": []}
    where = "quarantined_at >= ? and quarantined_at < ?"
    by_reason = dict(
        query(
            f"select reason, count(*) from q where {where} group by 1 order by 2 desc", [since, until], q=data
        )
    )
    rows = query(
        f"""
        with scoped as (
            select reason, source, message, raw_sha1, kafka_partition, kafka_offset,
                   coalesce(strptime(gharchive_hour, '%Y-%m-%d-%-H'), date_trunc('hour', quarantined_at))
                       as hour
            from q where {where}
        ),
        ranked as (
            select *, row_number() over (partition by reason, source, hour order by raw_sha1) as n,
                   count(*) over (partition by reason, source, hour) as records
            from scoped
        )
        select reason, source, hour, any_value(records) as records,
               list({{'message': message, 'raw_sha1': raw_sha1, 'kafka_partition': kafka_partition,
                      'kafka_offset': kafka_offset}} order by n) filter (where n <= {EXAMPLES_PER_GROUP})
        from ranked group by reason, source, hour
        order by hour desc, records desc, reason, source
        limit ?
        """,
        [since, until, limit],
        q=data,
    )
    groups = [
        {
            "reason": reason,
            "source": source,
            "hour": hour.replace(tzinfo=dt.UTC) if hour.tzinfo is None else hour,
            "records": records,
            "examples": examples,
        }
        for reason, source, hour, records, examples in rows
    ]
    return {"total": sum(by_reason.values()), "by_reason": by_reason, "groups": groups}
