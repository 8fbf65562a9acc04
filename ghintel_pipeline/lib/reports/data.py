"""What a report shows, read from the gold Delta marts with DuckDB.

Each mart is opened with delta-rs and registered in an in-memory DuckDB as an Arrow dataset (the
DuckDB ``delta`` extension cannot be installed offline). A mart that does not exist yet reads as
empty with the documented mart columns, so a report can always be produced and says what is missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from ghintel_pipeline.lib.lake import lake_table_uri, storage_options
from ghintel_pipeline.lib.lake.storage import table_dataset
from ghintel_pipeline.lib.settings import Settings

# The marts a report reads. A missing one (gold not built yet) leaves its sections empty and is
# named in ``missing_marts``; its columns are dbt's (docs/metrics.md), not declared again here.
REPORT_MARTS = ("anomalies", "repo_trending", "data_coverage")
TRENDING_WINDOWS = ("1h", "24h", "7d", "30d")
SEVERITIES = ("high", "medium", "low")
COVERAGE_COUNTS = (
    "coverage_hours",
    "coverage_events",
    "gap_hours",
    "low_coverage_hours",
    "low_star_coverage_hours",
)


@dataclass(frozen=True)
class ReportOptions:
    top_n: int = 10
    lookback_hours: int = 24
    coverage_hours: int = 168

    @classmethod
    def from_settings(cls, settings: Settings) -> ReportOptions:
        return cls(
            top_n=settings.ghintel_report_top_n,
            lookback_hours=settings.ghintel_report_lookback_hours,
            coverage_hours=settings.ghintel_report_coverage_hours,
        )


@dataclass
class ReportData:
    """Everything a report renders; rows are plain dicts keyed by mart column."""

    generated_at: dt.datetime
    options: ReportOptions
    as_of: dt.datetime | None  # newest hour of the lake: the anomaly window ends here
    missing_marts: list[str] = field(default_factory=list)
    anomalies: list[dict[str, Any]] = field(default_factory=list)  # top N of the window
    anomalies_in_window: int = 0
    anomalies_total: int = 0  # every hour of the mart
    anomalies_by_severity: dict[str, int] = field(default_factory=dict)
    trending_as_of: dt.datetime | None = None
    trending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # window -> top N
    coverage: list[dict[str, Any]] = field(default_factory=list)  # every row of the chart window
    coverage_counts: dict[str, int] = field(default_factory=dict)

    @property
    def window_start(self) -> dt.datetime | None:
        """First hour of the anomaly window (inclusive)."""
        if self.as_of is None:
            return None
        return self.as_of - dt.timedelta(hours=self.options.lookback_hours - 1)

    @property
    def coverage_start(self) -> dt.datetime | None:
        if self.as_of is None:
            return None
        return self.as_of - dt.timedelta(hours=self.options.coverage_hours - 1)

    def counts(self) -> dict[str, int]:
        """The summary numbers (also the Dagster metadata that plots over time)."""
        return {
            "anomalies": self.anomalies_in_window,
            "anomalies_high": self.anomalies_by_severity.get("high", 0),
            "anomalies_medium": self.anomalies_by_severity.get("medium", 0),
            "anomalies_low": self.anomalies_by_severity.get("low", 0),
            "anomalies_all_hours": self.anomalies_total,
            "trending_repos": sum(len(rows) for rows in self.trending.values()),
            **{name: self.coverage_counts.get(name, 0) for name in COVERAGE_COUNTS},
        }


def open_marts(settings: Settings) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    """An in-memory DuckDB with the report's marts that exist registered by name; also the missing."""
    con = duckdb.connect()
    # Timestamps come back as UTC datetimes whatever the machine's zone.
    con.execute("set TimeZone = 'UTC'")
    missing = []
    for name in REPORT_MARTS:
        try:
            table = DeltaTable(
                lake_table_uri(settings, "gold", name), storage_options=storage_options(settings)
            )
        except TableNotFoundError:
            missing.append(name)
            continue
        con.register(name, table_dataset(table))
    return con, missing


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Any:
    return con.execute(sql, params or []).fetchone()[0]


def newest_hour(con: duckdb.DuckDBPyConnection, missing: list[str]) -> dt.datetime | None:
    """The lake's newest hour: from data_coverage (every source), else from the anomalies."""
    sources = {
        "data_coverage": "(select max(event_hour) from data_coverage where not is_gap)",
        "anomalies": "(select max(event_hour) from anomalies)",
    }
    present = [sql for name, sql in sources.items() if name not in missing]
    return _scalar(con, f"select coalesce({', '.join(present)})") if present else None


def load_report_data(
    settings: Settings, options: ReportOptions | None = None, *, now: dt.datetime | None = None
) -> ReportData:
    options = options or ReportOptions.from_settings(settings)
    con, missing = open_marts(settings)
    try:
        as_of = newest_hour(con, missing)
        data = ReportData(
            generated_at=now or dt.datetime.now(dt.UTC), options=options, as_of=as_of, missing_marts=missing
        )
        if "anomalies" not in missing:
            data.anomalies_total = _scalar(con, "select count(*) from anomalies")
            if as_of is not None:
                _load_anomalies(con, data)
        if as_of is not None and "data_coverage" not in missing:
            _load_coverage(con, data)
        if "repo_trending" not in missing:
            _load_trending(con, data)
        return data
    finally:
        con.close()


def _load_anomalies(con: duckdb.DuckDBPyConnection, data: ReportData) -> None:
    window = [data.window_start, data.as_of]
    in_window = "event_hour between ? and ?"
    by_severity = dict(
        con.execute(
            f"select severity, count(*) from anomalies where {in_window} group by 1", window
        ).fetchall()
    )
    data.anomalies_by_severity = {s: by_severity.get(s, 0) for s in SEVERITIES}
    data.anomalies_in_window = sum(by_severity.values())
    # Most alarming first; ties go to the newest hour, then a stable name order.
    data.anomalies = _rows(
        con,
        f"""
        select entity_type, entity, metric, event_hour, observed, baseline, spread, score, method,
               severity, explanation
        from anomalies
        where {in_window}
        order by case severity when 'high' then 0 when 'medium' then 1 else 2 end,
                 score desc, event_hour desc, entity_type, entity, metric
        limit ?
        """,
        window + [data.options.top_n],
    )


def _load_trending(con: duckdb.DuckDBPyConnection, data: ReportData) -> None:
    data.trending_as_of = _scalar(con, "select max(as_of) from repo_trending")
    if data.trending_as_of is None:
        return
    rows = _rows(
        con,
        """
        select "window", rank, repo_id, repo_name, score, stars, forks, stargazers, contributors,
               star_component, fork_component, activity_component, velocity_per_hour,
               prev_window_stars, velocity_change, explanation
        from repo_trending
        where as_of = ? and rank <= ?
        order by "window", rank
        """,
        [data.trending_as_of, data.options.top_n],
    )
    windows = [w for w in TRENDING_WINDOWS if any(r["window"] == w for r in rows)]
    windows += sorted({r["window"] for r in rows} - set(windows))
    data.trending = {w: [r for r in rows if r["window"] == w] for w in windows}


def _load_coverage(con: duckdb.DuckDBPyConnection, data: ReportData) -> None:
    data.coverage = _rows(
        con,
        """
        select event_hour, source, events, watch_share, baseline_watch_share, pr_share,
               baseline_pr_share, is_gap, coverage, star_coverage, note
        from data_coverage
        where event_hour between ? and ?
        order by event_hour, source
        """,
        [data.coverage_start, data.as_of],
    )
    rows = data.coverage
    data.coverage_counts = {
        "coverage_hours": len({r["event_hour"] for r in rows}),
        "coverage_events": sum(r["events"] or 0 for r in rows),
        "gap_hours": sum(1 for r in rows if r["is_gap"]),
        "low_coverage_hours": sum(1 for r in rows if r["coverage"] == "low"),
        "low_star_coverage_hours": sum(1 for r in rows if r["star_coverage"] == "low"),
    }
