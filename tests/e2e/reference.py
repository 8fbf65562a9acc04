"""The expected answers, computed straight from the raw GH Archive file with DuckDB's ``read_json``.

Nothing here imports ghintel: if the producer, Kafka, bronze, silver, dbt or the API lose, duplicate
or miscount events, these numbers disagree with the API's.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


class RawHour:
    def __init__(self, path: Path):
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.register(
            "raw_json",
            duckdb.read_json(str(path), format="newline_delimited", connection=self.con),
        )
        self.con.execute(
            """CREATE TABLE raw AS
               SELECT DISTINCT id, type, actor.login AS actor, repo.name AS repo, org.login AS org, created_at
               FROM raw_json"""
        )

    def _rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def total(self) -> int:
        return self._rows("SELECT count(*) FROM raw")[0][0]

    def hour(self) -> str:
        """The hour of the file as an ISO timestamp (UTC)."""
        (first,) = self._rows(
            "SELECT strftime(min(date_trunc('hour', created_at)), '%Y-%m-%dT%H:00:00Z') FROM raw"
        )[0]
        return first

    def top(self, column: str, n: int, event_type: str | None = None) -> list[tuple[str, int]]:
        """The ``n`` most frequent values of ``column`` (repo, org, actor) with their event counts."""
        where = "type = ?" if event_type else "true"
        return [
            (name, count)
            for name, count in self._rows(
                f"SELECT {column}, count(*) AS n FROM raw WHERE {where} AND {column} IS NOT NULL "
                f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT {int(n)}",
                [event_type] if event_type else [],
            )
        ]

    def count(self, column: str, value: str, event_type: str | None = None) -> int:
        where = " AND type = ?" if event_type else ""
        params = [value, event_type] if event_type else [value]
        return self._rows(f"SELECT count(*) FROM raw WHERE {column} = ?{where}", params)[0][0]

    def distinct(self, what: str, column: str, value: str) -> int:
        return self._rows(f"SELECT count(DISTINCT {what}) FROM raw WHERE {column} = ?", [value])[0][0]
