"""The API's read-only view of the lake: gold marts copied into an in-memory, hardened DuckDB.

Why copies: the gold marts are small aggregates, and DuckDB answers from its own columnar tables in
a few milliseconds, while scanning Delta/Parquet through Arrow costs tens of milliseconds per query.
Each table is loaded under a versioned physical name (``dim_repos__v7``); queries name tables only
through :meth:`Lake.rel`, which maps a whitelisted logical name to the current physical one, so a
reload is an atomic swap and readers of the old copy finish undisturbed.

Silver is not copied (it is large): ``/events`` reads the few newest files a page needs (see
``event_files.py``). Every number the API serves comes from a gold mart (metric rules live in dbt only).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
from deltalake import DeltaTable

from ghintel_api.core import pandas_absent  # noqa: F401  (installs the finder before any query)
from ghintel_api.core.cursor_pool import CursorPool
from ghintel_api.core.delta_log import last_commit_time, log_stamp, row_count
from ghintel_api.core.event_files import EVENT_COLUMNS, EventFile, FileCache, event_files
from ghintel_api.core.lookups import name_index, ranked_hours_index
from ghintel_api.core.rollups import ROLLUP_NAMES, Rollup, rollup_indexes
from ghintel_api.core.rows import result_rows
from ghintel_api.core.watchdog import QueryWatchdog
from ghintel_pipeline.lib.gold.marts import MART_NAMES, MARTS
from ghintel_pipeline.lib.lake.storage import table_dataset
from ghintel_pipeline.lib.settings import ApiSettings

log = logging.getLogger("ghintel.api.lake")


# The retrieval index (ghintel_agents/rag) is a Delta table under gold/ too, built by its own job:
# the API serves it when present, but a lake without it is not degraded.
INDEX_TABLES: tuple[str, ...] = ("rag_documents",)
GOLD_TABLES: tuple[str, ...] = (*MART_NAMES, *INDEX_TABLES)
SILVER_TABLE = "github_events"
# Sorting the copies lets DuckDB's zone maps skip row groups for the usual window filters; each
# mart's order is its ``meta.gold.sort_by`` in the dbt properties.
_SORT_KEYS = {m.name: ", ".join(f'"{c}"' for c in m.sort_by) for m in MARTS if m.sort_by}


@dataclass(frozen=True)
class HourCoverage:
    level: str
    star: str
    notes: tuple[str, ...] = ()


class LakeNotReady(RuntimeError):
    """A table the request needs has not been written yet (503)."""


class QueryTimeout(RuntimeError):
    """A query ran past GHINTEL_API_QUERY_TIMEOUT_MS and was interrupted (503)."""


@dataclass
class TableState:
    logical: str
    uri: str
    dt: DeltaTable | None = None
    version: int | None = None
    physical: str | None = None
    rows: int = 0
    loaded_at: datetime | None = None
    last_commit: datetime | None = None
    log_stamp: tuple[int, int] | None = None  # see delta_log.log_stamp


def _table_uri(settings: ApiSettings, layer: str, table: str) -> str:
    return f"{settings.lake_root.rstrip('/')}/{layer}/{table}"


def _storage_options(settings: ApiSettings) -> dict[str, str] | None:
    from ghintel_pipeline.lib.lake.storage import storage_options

    return storage_options(settings)


class Lake:
    """Owns the DuckDB database of the API process; open once (lifespan), one cursor per request."""

    def __init__(self, settings: ApiSettings):
        self.settings = settings
        self.refresh_interval_s = settings.ghintel_api_refresh_ms / 1000
        self.query_timeout_s = settings.ghintel_api_query_timeout_ms / 1000
        self._storage = _storage_options(settings)
        self.con = duckdb.connect(
            ":memory:",
            config={
                "python_enable_replacements": False,
                "threads": 1,  # concurrency comes from requests; per-query parallelism only adds scheduling
            },
        )
        # Everything the API loads arrives as Arrow objects from Python, so the SQL engine itself
        # never needs the filesystem or network: switch that off and lock it before any query runs.
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET enable_external_access = false")
        # Late materialisation turns ORDER BY ... LIMIT into a second scan joined on row ids: a win
        # for wide tables on disk, twice the CPU (about 0.6 ms more per query) for these in-memory copies.
        self.con.execute("SET disabled_optimizers = 'late_materialization'")
        self.con.execute("SET lock_configuration = true")
        self._loader = self.con.cursor()
        self.cursors = CursorPool(self.con)
        self._watchdog = QueryWatchdog()
        self._refresh_lock = threading.Lock()
        self._last_check = float("-inf")
        self._retired: list[tuple[str, float]] = []
        self.tables: dict[str, TableState] = {
            name: TableState(name, _table_uri(settings, "gold", name)) for name in GOLD_TABLES
        }
        self.names: dict[
            str, dict[str, str]
        ] = {}  # dimension -> lower(name) -> stored name (core/lookups.py)
        # ranking mart -> window -> sorted hours it ranked (core/lookups.py)
        self.ranked_hours: dict[str, dict[str, list[datetime]]] = {}
        # index name -> rows of an hourly mart as numpy arrays (core/rollups.py)
        self.rollups: dict[str, Rollup] = {}
        self.silver = TableState(SILVER_TABLE, _table_uri(settings, "silver", SILVER_TABLE))
        self.silver_dataset = None
        self.silver_files: list[EventFile] = []
        self.event_file_cache = FileCache(settings.ghintel_api_event_file_cache_mb << 20)
        self.newest_hour: datetime | None = None
        self.oldest_hour: datetime | None = None
        self.coverage_by_hour: dict[datetime, HourCoverage] = {}
        self.state_token = "empty"
        self.reloads = 0

    # ---- lifecycle -------------------------------------------------------------------------
    def open(self) -> None:
        self.refresh()

    def close(self) -> None:
        self._watchdog.stop()
        self.cursors.close()
        self._loader.close()
        self.con.close()

    def refresh_due(self) -> bool:
        return time.monotonic() - self._last_check >= self.refresh_interval_s

    def refresh_if_due(self) -> None:
        """Cheap when nothing changed: one incremental Delta log check per table, at most every N ms.

        Only one thread refreshes; the others keep answering from the current copies meanwhile.
        """
        if not self.refresh_due():
            return
        if not self._refresh_lock.acquire(blocking=False):
            return
        try:
            self._refresh_locked()
        finally:
            self._refresh_lock.release()

    def refresh(self) -> None:
        with self._refresh_lock:
            self._refresh_locked()

    def _refresh_locked(self) -> None:
        self._last_check = time.monotonic()
        changed = False
        for state in self.tables.values():
            if self._check_version(state):
                self._load_gold(state)
                changed = True
        if self._check_version(self.silver):
            self._load_silver()
            changed = True
        self._drop_retired()
        if changed:
            self._after_change()

    def _check_version(self, state: TableState) -> bool:
        """True when the table's Delta version differs from the loaded copy."""
        stamp = log_stamp(state.uri)
        if stamp is not None and stamp == state.log_stamp:
            return False
        try:
            if state.dt is None:
                if not DeltaTable.is_deltatable(state.uri, storage_options=self._storage):
                    return False
                state.dt = DeltaTable(state.uri, storage_options=self._storage)
            else:
                state.dt.update_incremental()
        except Exception:  # a half-written or unreachable table must not take the API down
            log.exception("lake_version_check_failed", extra={"table": state.logical})
            return False
        changed = state.dt.version() != state.version
        state.log_stamp = None if changed else stamp  # trusted only once the copy is loaded
        return changed

    def _load_gold(self, state: TableState) -> None:
        dt = state.dt
        assert dt is not None
        version = dt.version()
        physical = f"{state.logical}__v{version}"
        source = f"_src_{state.logical}"
        order = _SORT_KEYS.get(state.logical)
        started = time.perf_counter()
        dataset = table_dataset(dt)
        self._loader.register(source, dataset)
        try:
            order_sql = f" ORDER BY {order}" if order else ""
            columns = ", ".join(_select_expr(f) for f in dataset.schema)
            self._loader.execute(
                f"CREATE OR REPLACE TABLE {physical} AS SELECT {columns} FROM {source}{order_sql}"
            )
        finally:
            self._loader.unregister(source)
        (rows,) = self._loader.execute(f"SELECT count(*) FROM {physical}").fetchone()
        names = name_index(self._loader, state.logical, physical)
        ranked = ranked_hours_index(self._loader, state.logical, physical)
        indexed = time.perf_counter()
        rollups = rollup_indexes(self._loader, state.logical, physical, self._physical_of) or {}
        rollup_ms = round((time.perf_counter() - indexed) * 1000, 1)
        if state.physical and state.physical != physical:
            self._retired.append((state.physical, time.monotonic()))
        if names is not None:
            self.names[state.logical] = names
        if ranked is not None:
            self.ranked_hours[state.logical] = ranked
        for name in ROLLUP_NAMES.get(state.logical, ()):
            self.rollups.pop(name, None)  # an index the new copy cannot hold must not answer for it
        self.rollups.update(rollups)
        state.physical, state.version, state.rows = physical, version, rows
        rollup_mb = round(sum(r.nbytes for r in rollups.values()) / 2**20, 1)
        extra = {"rollup_ms": rollup_ms, "rollup_mb": rollup_mb}
        self._loaded(
            state, started, "lake_table_loaded", table=state.logical, version=version, rows=rows, **extra
        )

    def _physical_of(self, logical: str) -> str | None:
        state = self.tables.get(logical)
        return state.physical if state else None

    def _load_silver(self) -> None:
        state = self.silver
        dt = state.dt
        assert dt is not None
        started = time.perf_counter()
        dataset = table_dataset(dt)
        files = event_files(dt, dataset)
        decoded, cached = self.event_file_cache.warm(files, dataset.schema, EVENT_COLUMNS)
        self.silver_files = files
        self.silver_dataset = dataset
        state.rows = row_count(dt)
        state.version = dt.version()
        state.physical = SILVER_TABLE
        self._loaded(
            state,
            started,
            "lake_silver_refreshed",
            table="silver.github_events",
            version=state.version,
            files_decoded=decoded,
            cached_mb=round(cached / 2**20, 1),
        )

    def _loaded(self, state: TableState, started: float, event: str, **extra) -> None:
        """Stamps a (re)loaded table and logs ``event`` with how long it took since ``started``."""
        state.loaded_at = datetime.now(UTC)
        state.last_commit = last_commit_time(state.dt)
        self.reloads += 1
        log.info(event, extra={**extra, "ms": round((time.perf_counter() - started) * 1000, 1)})

    def _drop_retired(self) -> None:
        # Keep a replaced copy until every query that may have started on it has surely ended.
        grace = 2 * self.query_timeout_s + 1
        keep = []
        for physical, retired_at in self._retired:
            if time.monotonic() - retired_at > grace:
                self._loader.execute(f"DROP TABLE IF EXISTS {physical}")
            else:
                keep.append((physical, retired_at))
        self._retired = keep

    def _after_change(self) -> None:
        hourly = self.tables["fct_repo_activity_hourly"].physical
        coverage = self.tables["data_coverage"].physical
        newest, oldest = [], []
        for physical in (hourly, coverage):
            if physical:
                row = self._loader.execute(
                    f"SELECT min(event_hour), max(event_hour) FROM {physical}"
                ).fetchone()
                if row[1] is not None:
                    oldest.append(_as_utc(row[0]))
                    newest.append(_as_utc(row[1]))
        self.newest_hour = max(newest) if newest else None
        self.oldest_hour = min(oldest) if oldest else None
        self.coverage_by_hour = self._coverage_by_hour(coverage)
        parts = [f"{s.logical}:{s.version}" for s in (*self.tables.values(), self.silver)]
        self.state_token = hashlib.sha1("|".join(parts).encode()).hexdigest()[:20]

    def _coverage_by_hour(self, physical: str | None) -> dict[datetime, HourCoverage]:
        """data_coverage folded to one entry per hour (an hour is as good as its best source).

        Small (one row per hour and source) and asked by nearly every request, so kept in Python.
        """
        if physical is None:
            return {}
        rank = {"ok": 2, "low": 1}
        out: dict[datetime, HourCoverage] = {}
        rows = self._loader.execute(
            f"SELECT event_hour, coverage, star_coverage, note FROM {physical} WHERE event_hour IS NOT NULL"
        ).fetchall()
        for hour, coverage, star, note in rows:
            key = _as_utc(hour)
            seen = out.get(key)
            level = max(
                (coverage or "missing", seen.level if seen else "missing"), key=lambda v: rank.get(v, 0)
            )
            star_level = max(
                (star or "missing", seen.star if seen else "missing"), key=lambda v: rank.get(v, 0)
            )
            notes = (seen.notes if seen else ()) + ((note,) if note else ())
            out[key] = HourCoverage(level, star_level, notes)
        return out

    # ---- queries ---------------------------------------------------------------------------
    def rel(self, logical: str) -> str:
        """Physical table name for a whitelisted logical name; 503 when it is not loaded yet."""
        state = self.tables[logical]
        if state.physical is None:
            raise LakeNotReady(f"gold table {logical} is not available yet")
        return state.physical

    def has(self, logical: str) -> bool:
        return logical in self.tables and self.tables[logical].physical is not None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.con.cursor()

    def query(
        self, cur: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()
    ) -> list[dict[str, Any]]:
        """Run one bound-parameter query; the watchdog interrupts it after the configured timeout."""
        token = self._watchdog.arm(cur, self.query_timeout_s)
        try:
            cur.execute(sql, [_naive_utc(p) for p in params])
            return result_rows(cur)
        except duckdb.InterruptException as exc:
            raise QueryTimeout(f"query exceeded {self.query_timeout_s:g}s") from exc
        finally:
            self._watchdog.disarm(token)

    def versions(self) -> dict[str, int | None]:
        out = {f"gold.{s.logical}": s.version for s in self.tables.values()}
        out["silver.github_events"] = self.silver.version
        return out


def _select_expr(field: pa.Field) -> str:
    """Column as stored in the in-memory copy.

    dbt's sums arrive as DECIMAL(38,0): integers are what they mean, and BIGINT math is faster.
    Timestamps become naive UTC: handing a TIMESTAMPTZ to Python costs ~0.1 ms per value (time zone
    conversion) and grouping on one is several times slower; the API restores UTC in Python.
    """
    name = '"' + field.name.replace('"', '""') + '"'
    if pa.types.is_decimal(field.type) and field.type.scale == 0:
        return f"CAST({name} AS BIGINT) AS {name}"
    if pa.types.is_timestamp(field.type) and field.type.tz is not None:
        return f"CAST({name} AS TIMESTAMP) AS {name}"
    return name


def _naive_utc(value: Any) -> Any:
    """Bound datetimes compare with the naive-UTC columns of the copies (see _select_expr)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
