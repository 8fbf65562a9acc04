"""The agents' tools: typed calls of the project's REST API, each returning rows and their citations.

The API is the agents' semantic layer (as dbt-mcp exposes metrics instead of SQL): a tool names an
entity, a window and a metric family; the numbers come from gold rows the API returns, and each
result carries a citation per row (table, key, Delta version, values) for the verifier. There is no
free-form SQL. Every call is recorded in ``ApiTools.calls`` so a report can list its tool calls.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from ghintel_agents.core.citations import Citation
from ghintel_api.core.windows import parse_time

_TOTALS = ("events", "stars", "forks", "pushes", "commits", "prs_opened", "prs_merged", "issues_opened")


@dataclass
class ToolResult:
    tool: str
    args: dict[str, Any]
    data: dict[str, Any]
    citations: list[Citation]

    def content(self, limit: int = 4000) -> str:
        """What a chat model sees: the response as compact JSON, cut to ``limit`` characters."""
        text = json.dumps(self.data, default=str, separators=(",", ":"))
        return text if len(text) <= limit else text[:limit] + "...(truncated)"


class NotFound(LookupError):
    """The API answered 404: an entity the lake does not know."""


def anomaly_id(row: dict[str, Any]) -> str:
    """Stable id of an anomaly row: ``entity_type:entity:metric:YYYY-MM-DDTHH`` (its gold key)."""
    return f"{row['entity_type']}:{row['entity']}:{row['metric']}:{str(row['event_hour'])[:13]}"


def parse_anomaly_id(text: str) -> dict[str, str]:
    parts = text.split(":")
    if len(parts) != 4 or parts[0] not in ("repo", "org") or len(parts[3]) != 13:
        raise ValueError(f"anomaly id must look like repo:owner/name:stars:2015-01-01T01, got {text!r}")
    return {"entity_type": parts[0], "entity": parts[1], "metric": parts[2], "event_hour": parts[3]}


def with_previous(fetch: Callable[[str | None], ToolResult], as_of: str | None) -> None:
    """Fetch a window, then the window just before it (ending the hour before its first hour)."""
    current = fetch(as_of)
    start = current.data.get("window_start")
    if start is not None:
        fetch((parse_time(start, "window_start") - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))


def _pick(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: row[k] for k in keys if row.get(k) is not None}


@dataclass
class ApiTools:
    """The API tools over one httpx client (a server's URL or the in-process app)."""

    client: httpx.Client
    calls: list[ToolResult] = field(default_factory=list)
    _versions: dict[str, int | None] | None = None

    # ---- plumbing --------------------------------------------------------------------------
    def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        response = self.client.get(path, params=query)
        if response.status_code == 404:
            raise NotFound(response.json().get("message", f"not found: {path}"))
        response.raise_for_status()
        return response.json()

    def version(self, table: str) -> int | None:
        if self._versions is None:
            self._versions = {
                name: info.get("version") for name, info in self._get("/health").get("tables", {}).items()
            }
        return self._versions.get(table)

    def _cite(self, table: str, key: dict[str, Any], values: dict[str, Any]) -> Citation:
        return Citation.for_row(table=table, key=key, delta_version=self.version(table), values=values)

    def record(self, tool: str, args: dict[str, Any], data: dict, citations: list[Citation]) -> ToolResult:
        result = ToolResult(tool, args, data, citations)
        self.calls.append(result)
        return result

    def _coverage_citation(self, coverage: dict[str, Any], key: dict[str, Any]) -> Citation:
        keep = ("status", "star_status", "hours_expected", "hours_ok", "hours_low", "hours_missing")
        return self._cite("gold.data_coverage", key, _pick(coverage, keep))

    def _anomaly_citations(self, rows: list[dict[str, Any]]) -> list[Citation]:
        keys = ("observed", "baseline", "spread", "score", "severity", "entity", "metric", "event_hour")
        return [
            self._cite(
                "gold.anomalies", {"id": anomaly_id(r)}, _pick(r, keys) | {"anomaly_id": anomaly_id(r)}
            )
            for r in rows
        ]

    # ---- tools -----------------------------------------------------------------------------
    def repo_overview(self, repo: str) -> ToolResult:
        """Lifetime totals of a repository (owner/name), its trending ranks and latest anomalies."""
        data = self._get(f"/repos/{repo}")
        values = _pick(data, ("repo_name", *_TOTALS, "actors", "first_seen", "last_seen"))
        citations = [self._cite("gold.dim_repos", {"repo_name": data["repo_name"]}, values)]
        citations += [
            self._cite("gold.repo_trending", {"repo_name": data["repo_name"], "window": t["window"]}, t)
            for t in data["trending"]
        ]
        citations += self._anomaly_citations(data["recent_anomalies"])
        return self.record("repo_overview", {"repo": repo}, data, citations)

    def repo_activity(self, repo: str, window: str = "24h", as_of: str | None = None) -> ToolResult:
        """Activity totals (events, stars, forks, pushes, PRs, issues) of a repository over a window
        (1h, 24h, 7d, 30d) ending at as_of (default: the newest hour), plus an hourly series."""
        data = self._get(f"/repo/{repo}/activity", {"window": window, "as_of": as_of})
        key = {
            "repo_name": data["repo"],
            "window_start": data["window_start"],
            "window_end": data["window_end"],
        }
        values = {"repo_name": data["repo"], **_pick(data["totals"], _TOTALS)}
        citations = [
            self._cite("gold.fct_repo_activity_hourly", key, values),
            self._coverage_citation(data["coverage"], key),
        ]
        return self.record("repo_activity", {"repo": repo, "window": window, "as_of": as_of}, data, citations)

    def org_summary(self, org: str, window: str = "24h", as_of: str | None = None) -> ToolResult:
        """An organisation's events, active repos, contributors, stars, PR/issue flow and its top
        repos and actors over a window (1h, 24h, 7d, 30d) ending at as_of."""
        data = self._get(f"/org/{org}/summary", {"window": window, "as_of": as_of})
        span = {"window_start": data["window_start"], "window_end": data["window_end"]}
        totals = ("events", "repos", "actors", "stars", "forks", "pushes", "prs_opened", "prs_merged")
        values = {"org": data["org"], **_pick(data, (*totals, "issues_opened"))}
        citations = [
            self._cite("gold.fct_repo_activity_hourly", {"org_login": data["org"], **span}, values),
            self._coverage_citation(data["coverage"], span),
        ]
        citations += [
            self._cite("gold.fct_repo_activity_hourly", {"repo_name": r["repo_name"], **span}, r)
            for r in data["top_repos"]
        ]
        citations += [
            self._cite("silver.github_events", {"org_login": data["org"], "login": a["login"], **span}, a)
            for a in data["top_actors"]
        ]
        return self.record("org_summary", {"org": org, "window": window, "as_of": as_of}, data, citations)

    def anomalies(
        self, repo: str | None = None, org: str | None = None, since: str | None = None, limit: int = 20
    ) -> ToolResult:
        """Anomalous hours found by gold (spikes against a robust baseline, low-activity star
        bursts), newest first, optionally for one repo (owner/name) or org, since an ISO time."""
        args = {"repo": repo, "org": org, "since": since, "limit": limit}
        data = self._get("/anomalies", args)
        for row in data["data"]:
            row["anomaly_id"] = anomaly_id(row)
        return self.record("anomalies", args, data, self._anomaly_citations(data["data"]))

    def trending(self, window: str = "24h", as_of: str | None = None, limit: int = 10) -> ToolResult:
        """Repositories ranked by gold's trending score for a window (1h, 24h, 7d, 30d)."""
        args = {"window": window, "as_of": as_of, "limit": limit}
        data = self._get("/trending-repos", args)
        keep = ("rank", "repo_name", "score", "stars", "forks", "contributors", "velocity_per_hour")
        citations = [
            self._cite(
                f"gold.{data.get('table', 'repo_trending')}",  # an older hour's ranking is history
                {"window": data["window"], "as_of": data["as_of"], "repo_name": r["repo_name"]},
                _pick(r, keep),
            )
            for r in data["data"]
        ]
        return self.record("trending", args, data, citations)

    def coverage(self, since: str | None = None, until: str | None = None) -> ToolResult:
        """Completeness of the data per hour (ok/low/missing, star coverage) between since and until."""
        args = {"since": since, "until": until, "limit": 200}
        data = self._get("/quality/coverage", args)
        citation = self._coverage_citation(data["coverage"], {"since": data["since"], "until": data["until"]})
        return self.record("coverage", args, data, [citation])

    def stargazers(self, repo: str, window: str = "1h", as_of: str | None = None) -> ToolResult:
        """Accounts that starred a repository in a window, with their account signals (low-activity,
        actor-id percentile as an account-age proxy) and repos they co-starred in that window."""
        args = {"repo": repo, "window": window, "as_of": as_of}
        data = self._get(f"/repo/{repo}/stargazers", {"window": window, "as_of": as_of})
        span = {"repo_name": data["repo"], "since": data["since"], "until": data["until"]}
        summary = {"stargazers": data["stargazers"], "low_activity": data["low_activity"]}
        citations = [self._cite("silver.github_events", {**span, "event_type": "WatchEvent"}, summary)]
        keep = ("login", "events", "repos", "active_days", "is_low_activity", "actor_id_percentile")
        citations += [
            self._cite("gold.dim_actors", {"actor_id": s["actor_id"]}, _pick(s, keep)) for s in data["data"]
        ]
        citations += [
            self._cite("silver.github_events", {**span, "co_starred": c["repo_name"]}, c)
            for c in data["co_starred"]
        ]
        return self.record("stargazers", args, data, citations)

    def search(self, q: str, limit: int = 5) -> ToolResult:
        """Documents rendered from gold rows (repo/org/actor profiles, anomalies, trending entries,
        coverage notes, metric definitions) ranked for a free-text query, with their row keys."""
        data = self._get("/search", {"q": q, "limit": limit})
        # each hit names the gold rows it was rendered from, at their own Delta versions
        citations = [
            Citation.for_row(row["table"], row["key"], row["delta_version"], row["values"])
            for hit in data["results"]
            for row in hit["rows"]
        ]
        return self.record("search", {"q": q, "limit": limit}, data, citations)
