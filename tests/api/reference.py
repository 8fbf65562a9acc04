"""Independent answers computed straight from the raw GH Archive .json.gz files with DuckDB.

Nothing here touches the pipeline: if ingest, silver, dbt or the API miscount, these disagree.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

_COLUMNS = (
    "{id: 'VARCHAR', type: 'VARCHAR', actor: 'STRUCT(login VARCHAR)', "
    "repo: 'STRUCT(name VARCHAR)', org: 'STRUCT(login VARCHAR)', created_at: 'TIMESTAMPTZ'}"
)


class RawEvents:
    def __init__(self, files: list[Path]):
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        paths = ", ".join(f"'{p}'" for p in files)
        self.con.execute(
            f"""CREATE TABLE raw AS SELECT DISTINCT id, type, actor.login AS actor, repo.name AS repo,
                       org.login AS org, created_at
                FROM read_json([{paths}], format = 'newline_delimited', columns = {_COLUMNS})"""
        )

    def _count(self, column: str, start: datetime, end: datetime, type_: str | None = None) -> dict[str, int]:
        extra = " AND type = ?" if type_ else ""
        params = [start, end, type_] if type_ else [start, end]
        rows = self.con.execute(
            f"SELECT {column}, count(*) FROM raw WHERE created_at >= ? AND created_at < ?{extra} "
            f"AND {column} IS NOT NULL GROUP BY 1",
            params,
        ).fetchall()
        return dict(rows)

    def events_per_repo(self, start: datetime, end: datetime) -> dict[str, int]:
        return self._count("repo", start, end)

    def stars_per_repo(self, start: datetime, end: datetime) -> dict[str, int]:
        return self._count("repo", start, end, "WatchEvent")

    def events_per_org(self, start: datetime, end: datetime) -> dict[str, int]:
        return self._count("org", start, end)

    def events_per_actor(self, start: datetime, end: datetime) -> dict[str, int]:
        return self._count("actor", start, end)

    def total(self) -> int:
        return self.con.execute("SELECT count(*) FROM raw").fetchone()[0]
