"""Independent reads of the lake (deltalake + DuckDB, none of the API's query code) to check that
every citation an agent returns holds exactly the values of the gold rows it names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from deltalake import DeltaTable

from ghintel_api.core.windows import parse_time


class GoldRows:
    def __init__(self, home: Path):
        self.lake = home / "lakehouse"
        self.con = duckdb.connect()
        self.versions: dict[str, int] = {}
        for layer, table in (
            ("gold", "fct_repo_activity_hourly"),
            ("gold", "dim_repos"),
            ("gold", "dim_actors"),
            ("gold", "anomalies"),
            ("gold", "repo_trending"),
            ("silver", "github_events"),
        ):
            dt = DeltaTable(str(self.lake / layer / table))
            self.versions[f"{layer}.{table}"] = dt.version()
            # silver as a table: string_view columns break DuckDB's filter pushdown into datasets
            self.con.register(table, dt.to_pyarrow_table() if layer == "silver" else dt.to_pyarrow_dataset())

    def one(self, sql: str, params: list) -> dict[str, Any]:
        cur = self.con.execute(sql, params)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        assert len(rows) == 1, (sql, params, rows)
        return rows[0]

    def expected(self, citation: dict[str, Any]) -> dict[str, Any] | None:
        """The row a citation names, read independently; None for tables this checker skips."""
        table, key = citation["table"], citation["key"]
        if table == "gold.fct_repo_activity_hourly" and "repo_name" in key:
            start, end = parse_time(key["window_start"], "s"), parse_time(key["window_end"], "e")
            return self.one(
                """SELECT coalesce(sum(events), 0)::BIGINT AS events,
                       coalesce(sum(stars), 0)::BIGINT AS stars,
                       coalesce(sum(forks), 0)::BIGINT AS forks, coalesce(sum(pushes), 0)::BIGINT AS pushes,
                       coalesce(sum(prs_opened), 0)::BIGINT AS prs_opened
                FROM fct_repo_activity_hourly WHERE repo_name = ? AND event_hour >= ? AND event_hour < ?""",
                [key["repo_name"], start, end],
            )
        if table == "gold.fct_repo_activity_hourly" and "org_login" in key:
            start, end = parse_time(key["window_start"], "s"), parse_time(key["window_end"], "e")
            return self.one(
                "SELECT coalesce(sum(events), 0)::BIGINT AS events, count(DISTINCT repo_name) AS repos, "
                "coalesce(sum(prs_opened), 0)::BIGINT AS prs_opened FROM fct_repo_activity_hourly "
                "WHERE org_login = ? AND event_hour >= ? AND event_hour < ? AND events > 0",
                [key["org_login"], start, end],
            )
        if table == "gold.dim_repos":
            return self.one(
                "SELECT events, stars, forks, actors FROM dim_repos WHERE repo_name = ?", [key["repo_name"]]
            )
        if table == "gold.dim_actors":
            return self.one(
                """SELECT login, events, repos, is_low_activity, actor_id_percentile
                FROM dim_actors WHERE actor_id = ?""",
                [key["actor_id"]],
            )
        if table == "gold.anomalies":
            kind, entity, metric, hour = key["id"].split(":")
            return self.one(
                """SELECT observed, baseline, score, severity FROM anomalies
                WHERE entity_type = ? AND entity = ? AND metric = ?
                  AND strftime(event_hour AT TIME ZONE 'UTC', '%Y-%m-%dT%H') = ?""",
                [kind, entity, metric, hour],
            )
        if table == "silver.github_events" and key.get("event_type") == "WatchEvent":
            start, end = parse_time(key["since"], "s"), parse_time(key["until"], "u")
            return self.one(
                """SELECT count(DISTINCT actor_id) AS stargazers FROM github_events
                WHERE event_type = 'WatchEvent' AND repo_name = ? AND created_at >= ? AND created_at < ?""",
                [key["repo_name"], start, end],
            )
        return None

    def check(self, citations: list[dict[str, Any]]) -> int:
        """Assert every checkable citation matches its gold row and Delta version; returns how many."""
        checked = 0
        for citation in citations:
            expected = self.expected(citation)
            if expected is None:
                continue
            assert citation["delta_version"] == self.versions[citation["table"]], citation
            shared = set(expected) & set(citation["values"])
            assert shared, citation
            for name in shared:
                assert citation["values"][name] == expected[name], (citation, name, expected[name])
            checked += 1
        return checked
