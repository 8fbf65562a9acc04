"""Copy the marts dbt built in DuckDB to the gold Delta tables the API and reports read.

dbt-duckdb cannot write Delta, so this step runs after ``dbt build`` and reads the DuckDB file
read-only. Incremental marts replace only the partitions holding recomputed rows (predicate
overwrite, one commit per table): the hourly marts, partitioned by day and hour, their touched
hours; the daily ones and anomalies their days. Small marts are overwritten whole. Every commit
carries the silver version it reflects (``ghintel.silver_version``): the gold watermark.
"""

from __future__ import annotations

import datetime as dt
import time

import duckdb
import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, write_deltalake

from ghintel_pipeline.lib.gold.marts import ANOMALY_HORIZON_HOURS, MARTS, Mart
from ghintel_pipeline.lib.gold.plan import WATERMARK_KEY, GoldPlan, iso_hour
from ghintel_pipeline.lib.gold.project import duckdb_path
from ghintel_pipeline.lib.lake import lake_table_uri, storage_options
from ghintel_pipeline.lib.settings import Settings

# DuckDB sums integers into HUGEINT (Arrow decimal128); the gold contract is plain int64/float64.
_CASTS = {"HUGEINT": "BIGINT", "UHUGEINT": "BIGINT"}


def _select_list(con: duckdb.DuckDBPyConnection, table: str) -> str:
    columns = []
    for name, dtype, *_ in con.execute(f'describe "{table}"').fetchall():
        target = _CASTS.get(dtype) or ("DOUBLE" if dtype.startswith("DECIMAL") else None)
        quoted = '"' + name.replace('"', '""') + '"'
        columns.append(f"cast({quoted} as {target}) as {quoted}" if target else quoted)
    return ", ".join(columns)


def _days_to_replace(
    plan: GoldPlan, mart: Mart, horizon_hours: int, last_hour: dt.datetime | None
) -> list[str]:
    hours = set(plan.event_hours)
    if mart.grain == "horizon" and last_hour is not None:
        for start in plan.event_hours:
            step = start
            while step <= min(start + dt.timedelta(hours=horizon_hours), last_hour):
                hours.add(step)
                step += dt.timedelta(hours=1)
    return sorted({h.date().isoformat() for h in hours})


def _replaced_partitions(
    plan: GoldPlan, mart: Mart, horizon_hours: int, last_hour: dt.datetime | None
) -> tuple[list[str], list[str], list[str]]:
    """The days to replace, and for a mart partitioned by hour too, the hour column and its hours:
    (DuckDB filter, Delta predicate, days)."""
    days = _days_to_replace(plan, mart, horizon_hours, last_hour)
    listed_days = ", ".join(f"date '{d}'" for d in days)
    where = [f"event_date in ({listed_days})"]
    predicate = ["event_date IN ({})".format(", ".join(f"'{d}'" for d in days))]
    if mart.hour_column:
        hours = [iso_hour(h) for h in sorted(plan.event_hours)]
        listed_hours = ", ".join(f"timestamptz '{h}'" for h in hours)
        where.append(f'"{mart.hour_column}" in ({listed_hours})')
        predicate.append("{} IN ({})".format(mart.hour_column, ", ".join(f"'{h}'" for h in hours)))
    return where, predicate, days


def _same_layout(uri: str, options: dict | None, table: pa.Table, mart: Mart) -> bool:
    current = DeltaTable(uri, storage_options=options)
    return [f.name for f in current.schema().fields] == table.column_names and tuple(
        current.metadata().partition_columns
    ) == tuple(mart.partition_by)


def export_marts(
    settings: Settings,
    plan: GoldPlan,
    *,
    marts: tuple[Mart, ...] = MARTS,
    horizon_hours: int = ANOMALY_HORIZON_HOURS,
) -> dict:
    """Write each mart to ``<lake>/gold/<mart>``; returns per-mart rows, mode and Delta version."""
    options = storage_options(settings)
    meta = {
        WATERMARK_KEY: str(plan.silver_version),
        "ghintel.operation": "gold_export",
        "ghintel.mode": plan.mode,
    }
    report: dict[str, dict] = {}
    with duckdb.connect(str(duckdb_path(settings)), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        last_hour = con.execute(
            "select max(event_hour) from int_events_aggregated_to_source_hours"
        ).fetchone()[0]
        for mart in marts:
            started = time.monotonic()
            uri = lake_table_uri(settings, "gold", mart.name)
            exists = DeltaTable.is_deltatable(uri, storage_options=options)
            select = f'select {_select_list(con, mart.name)} from "{mart.name}"'
            partial = plan.mode == "incremental" and mart.incremental and exists
            days: list[str] = []
            if partial:
                where, predicate, days = _replaced_partitions(plan, mart, horizon_hours, last_hour)
                table = con.execute(
                    f"{select} where {' and '.join(where)}" if days else f"{select} limit 0"
                ).fetch_arrow_table()
                partial = _same_layout(uri, options, table, mart)
            if not partial:
                table = con.execute(select).fetch_arrow_table()
            kwargs: dict = {
                "storage_options": options,
                "commit_properties": CommitProperties(custom_metadata=meta),
                "partition_by": list(mart.partition_by) or None,
            }
            if partial and not days:
                report[mart.name] = {
                    "mode": "unchanged",
                    "days": [],
                    "rows": 0,
                    "version": None,
                    "seconds": 0.0,
                }
                continue
            if partial:
                write_deltalake(uri, table, mode="overwrite", predicate=" AND ".join(predicate), **kwargs)
            else:
                write_deltalake(uri, table, mode="overwrite", schema_mode="overwrite", **kwargs)
            report[mart.name] = {
                "mode": ("replace_hours" if mart.hour_column else "replace_days") if partial else "overwrite",
                "days": days if partial else None,
                "rows": table.num_rows,
                "version": DeltaTable(uri, storage_options=options).version(),
                "seconds": round(time.monotonic() - started, 3),
            }
            if partial and mart.hour_column:
                report[mart.name]["hours"] = [iso_hour(h) for h in sorted(plan.event_hours)]
    return report
