"""Scans of silver behind its asset checks: duplicate event ids, newest ingest, future events.

DuckDB over the Delta table's Arrow dataset, reading only the columns a check needs.
"""

from __future__ import annotations

import datetime as dt

import pyarrow.dataset as pds

from ghintel_pipeline.lib.lake.quality import query
from ghintel_pipeline.lib.lake.storage import SILVER, open_table, table_dataset
from ghintel_pipeline.lib.settings import Settings


def silver_dataset(settings: Settings, partitions: list | None = None) -> pds.Dataset | None:
    table = open_table(settings, SILVER)
    if table is None:
        return None
    return table_dataset(table, partitions=partitions)


def duplicate_event_ids(settings: Settings, dates: list[str] | None) -> dict:
    partitions = None if dates is None else [("event_date", "in", dates)]
    if dates == []:
        return {"rows": 0, "duplicates": 0, "sample": [], "scope": "no partition changed"}
    data = silver_dataset(settings, partitions)
    if data is None:
        return {"rows": 0, "duplicates": 0, "sample": [], "scope": "table missing"}
    ((rows, distinct),) = query("select count(*), count(distinct event_id) from silver", silver=data)
    sample = query(
        "select event_id from silver group by event_id having count(*) > 1 order by event_id limit 5",
        silver=data,
    )
    scope = "all partitions" if dates is None else f"event_date in {dates}"
    return {"rows": rows, "duplicates": rows - distinct, "sample": [s[0] for s in sample], "scope": scope}


def newest_ingested_at(settings: Settings) -> dt.datetime | None:
    data = silver_dataset(settings)
    if data is None:
        return None
    ((newest,),) = query("select max(ingested_at) from s", s=data)
    return newest


def future_events(settings: Settings, limit: dt.datetime) -> dict:
    data = silver_dataset(settings)
    if data is None:
        return {"count": 0, "max_created_at": None, "sample": []}
    # The filter is pushed into the Arrow scan, where Delta's created_at statistics skip old files.
    future = data.to_table(
        columns=["event_id", "created_at"], filter=pds.field("created_at") > limit
    ).sort_by([("created_at", "descending")])
    newest = future.column("created_at")[0].as_py() if future.num_rows else None
    return {
        "count": future.num_rows,
        "max_created_at": newest.isoformat() if newest else None,
        "sample": future.column("event_id").to_pylist()[:5],
    }
