"""What the quarantine holds, for the asset check, ``/health`` and ``GET /quality/quarantine``.

Reads only reason codes, our own messages, sources, hours and hashes: never the raw bytes (they may
hold anything a producer sent and stay for operators reading the table itself).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow.dataset as pds

from ghintel_pipeline.lib.lake.storage import QUARANTINE, SILVER, open_table
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
    accepted = 0
    if silver is not None:
        ((accepted,),) = query(
            "select count(*) from s where ingested_at >= ?", [since], s=silver.to_pyarrow_dataset()
        )
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
