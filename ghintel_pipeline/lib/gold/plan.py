"""Which event hours a gold run recomputes.

Watermark: the silver Delta version the gold tables were last built from. It is stored twice —
in the commit metadata of every gold Delta table (``ghintel.silver_version``) and in the DuckDB
file dbt builds in (table ``ghintel_gold_state``) — and the smaller one wins, so a run that
failed between ``dbt build`` and the export, or a lost DuckDB file, is repaired by the next run.

Touched hours: the files silver gained since the watermark version (silver is written by
insert-only merges and appends, so new rows always arrive in new files). A file whose event_hour
statistics span one hour needs no read at all; otherwise only its event_hour column is read.
The cost therefore follows the new data, not the size of the lake.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable

from ghintel_pipeline.lib.gold.marts import MARTS, state_models
from ghintel_pipeline.lib.gold.project import duckdb_path
from ghintel_pipeline.lib.lake import lake_table_uri, storage_options
from ghintel_pipeline.lib.lake.storage import table_dataset
from ghintel_pipeline.lib.settings import Settings

WATERMARK_KEY = "ghintel.silver_version"
STATE_TABLE = "ghintel_gold_state"
UTC = dt.UTC


@dataclass
class GoldPlan:
    mode: str  # full | incremental | noop
    reason: str
    silver_version: int | None = None
    since_version: int | None = None
    event_hours: list[dt.datetime] = field(default_factory=list)
    as_of: dt.datetime | None = None

    def dbt_vars(self) -> dict:
        values: dict = {"event_hours": [iso_hour(h) for h in self.event_hours]}
        if self.as_of is not None:
            values["as_of"] = iso_hour(self.as_of)
        return values

    def dbt_args(self) -> list[str]:
        """``dbt build`` for this plan. Unit tests run in the test suite, not in every batch."""
        args = ["build", "--exclude-resource-type", "unit_test", "--vars", json.dumps(self.dbt_vars())]
        if self.mode == "full":
            args.append("--full-refresh")
        return args

    def to_dict(self) -> dict:
        return {
            "mode": self.mode,
            "reason": self.reason,
            "silver_version": self.silver_version,
            "since_version": self.since_version,
            "event_hours": [iso_hour(h) for h in self.event_hours],
            "as_of": iso_hour(self.as_of) if self.as_of else None,
        }


def to_hour(value: dt.datetime | str) -> dt.datetime:
    """A UTC hour from a datetime or ISO text (``2015-01-01T15:00:00Z``; naive means UTC)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.replace(minute=0, second=0, microsecond=0)


def iso_hour(value: dt.datetime) -> str:
    return to_hour(value).strftime("%Y-%m-%dT%H:00:00Z")


def silver_table(settings: Settings, version: int | None = None) -> DeltaTable | None:
    uri = lake_table_uri(settings, "silver", "github_events")
    options = storage_options(settings)
    if not DeltaTable.is_deltatable(uri, storage_options=options):
        return None
    table = DeltaTable(uri, storage_options=options)
    if version is not None:
        table.load_as_version(version)
    return table


def gold_watermark(settings: Settings) -> int | None:
    """Smallest silver version recorded by the newest commit of every gold table; None if a
    table is missing or was not written by build_gold."""
    versions = []
    options = storage_options(settings)
    for mart in MARTS:
        uri = lake_table_uri(settings, "gold", mart.name)
        if not DeltaTable.is_deltatable(uri, storage_options=options):
            return None
        last = DeltaTable(uri, storage_options=options).history(1)
        value = last[0].get(WATERMARK_KEY) if last else None
        if value is None:
            return None
        versions.append(int(value))
    return min(versions)


def state_version(settings: Settings) -> int | None:
    """Silver version the DuckDB file was last built from; None if the file or a model is missing."""
    path = duckdb_path(settings)
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {
            row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()
        }
        if STATE_TABLE not in tables or not set(state_models()) <= tables:
            return None
        row = con.execute(f"select min(silver_version) from {STATE_TABLE}").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def record_state(settings: Settings, silver_version: int) -> None:
    """Remember in the DuckDB file which silver version its tables now reflect."""
    with duckdb.connect(str(duckdb_path(settings))) as con:
        con.execute(f"create table if not exists {STATE_TABLE} (silver_version bigint, built_at timestamptz)")
        con.execute(f"delete from {STATE_TABLE}")
        con.execute(f"insert into {STATE_TABLE} values (?, now())", [silver_version])


def hours_touched_since(settings: Settings, version: int) -> set[dt.datetime] | None:
    """Event hours of the silver rows added after ``version``; None when that version can no
    longer be loaded (log cleaned up), which forces a full rebuild."""
    current = silver_table(settings)
    if current is None:
        return set()
    if current.version() == version:
        return set()
    try:
        previous = silver_table(settings, version)
    except Exception:  # noqa: BLE001 - any failure to time-travel means "unknown": rebuild
        return None
    before = set(pa.table(previous.get_add_actions(flatten=True)).column("path").to_pylist())
    actions = pa.table(current.get_add_actions(flatten=True))
    hours: set[dt.datetime] = set()
    to_read: set[str] = set()
    stats = "min.event_hour" in actions.column_names and "max.event_hour" in actions.column_names
    for row in actions.select(
        ["path", "min.event_hour", "max.event_hour"] if stats else ["path"]
    ).to_pylist():
        if row["path"] in before:
            continue
        low, high = row.get("min.event_hour"), row.get("max.event_hour")
        if low is not None and high is not None and to_hour(low) == to_hour(high):
            hours.add(to_hour(low))
        else:
            to_read.add(row["path"])
    if to_read:
        for fragment in table_dataset(current).get_fragments():
            if fragment.path in to_read:
                column = fragment.to_table(columns=["event_hour"]).column("event_hour")
                hours.update(to_hour(h) for h in pc.unique(column).to_pylist() if h is not None)
    return hours


class GoldRequest(TypedDict, total=False):
    """What a caller asks of one gold run (``plan_gold_run`` explains each), passed on unchanged by
    ``build_gold``."""

    event_hours: Iterable[dt.datetime | str] | None
    full_refresh: bool
    as_of: dt.datetime | str | None


def plan_gold_run(
    settings: Settings,
    *,
    event_hours: Iterable[dt.datetime | str] | None = None,
    full_refresh: bool = False,
    as_of: dt.datetime | str | None = None,
) -> GoldPlan:
    """Decide between a full rebuild, an incremental run over the touched hours, or nothing."""
    as_of_hour = to_hour(as_of) if as_of is not None else None
    silver = silver_table(settings)
    if silver is None:
        return GoldPlan("noop", "silver table does not exist yet", as_of=as_of_hour)
    version = silver.version()
    if full_refresh:
        return GoldPlan("full", "full refresh requested", version, as_of=as_of_hour)
    marks = [gold_watermark(settings), state_version(settings)]
    if any(mark is None for mark in marks):
        return GoldPlan("full", "no gold state yet (or DuckDB file lost)", version, as_of=as_of_hour)
    since = min(mark for mark in marks if mark is not None)
    touched = hours_touched_since(settings, since)
    if touched is None:
        return GoldPlan(
            "full", f"silver version {since} no longer loadable", version, since, as_of=as_of_hour
        )
    touched |= {to_hour(h) for h in event_hours or []}
    if not touched and as_of_hour is None:
        return GoldPlan("noop", "no new silver data since the last build", version, since)
    reason = f"{len(touched)} event hour(s) touched since silver version {since}"
    return GoldPlan("incremental", reason, version, since, sorted(touched), as_of_hour)
