"""The deterministic router of `ghintel ask`: question -> API calls -> claims composed from rows.

It recognises entities (owner/name, org, login), metrics, periods and rankings (rag/query.py), calls
the API through ``ApiTools`` (each result carries its row citations), and writes each claim from
the returned values only. Questions it cannot place fall back to retrieval (/search).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ghintel_agents.core.citations import Citation
from ghintel_agents.rag.documents import num
from ghintel_agents.rag.query import Parsed, Period
from ghintel_agents.tools import ApiTools, NotFound, ToolResult

_DOMAIN = (
    "github", "repo", "repos", "repository", "repositories", "org", "organisation", "organization",
    "actor", "actors", "user", "contributor", "event", "events", "star", "stars", "fork", "forks",
    "push", "pushes", "commit", "commits", "issue", "issues", "pull", "pr", "prs", "trending", "anomaly",
    "anomalies", "coverage", "metric", "metrics", "lake", "ghintel", "developer", "login",
)  # fmt: skip
_METRIC_LABEL = {
    "events": "events", "stars": "stars", "forks": "forks", "pushes": "pushes", "commits": "commits",
    "prs_opened": "pull requests opened", "prs_merged": "pull requests merged",
    "issues_opened": "issues opened", "actors": "distinct actors",
}  # fmt: skip
_DEFAULT_METRICS = ("events", "stars", "forks", "pushes")


@dataclass
class Routed:
    """What a route produced: claims as (text, citations), the coverage it checked, or an abstention."""

    route: str
    claims: list[tuple[str, list[Citation]]] = field(default_factory=list)
    coverage: dict[str, Any] | None = None
    abstain: str | None = None


def in_domain(parsed: Parsed) -> bool:
    words = set(parsed.text.lower().replace("?", " ").split())
    return bool(parsed.entities or parsed.metrics or parsed.topics or words & set(_DOMAIN))


def window_for(period: Period) -> tuple[str, str]:
    """The smallest API window holding the period, ending at its last hour (window, as_of)."""
    hours = period.hours
    window = "1h" if hours <= 1 else "24h" if hours <= 24 else "7d" if hours <= 168 else "30d"
    return window, period.last.strftime("%Y-%m-%dT%H:%M")


def _iso(value: Any) -> str:
    return str(value)[:16] if value else "n/a"


def _metrics(parsed: Parsed, available: dict[str, Any]) -> list[str]:
    wanted = [m for m in parsed.metrics if m in available] or [m for m in _DEFAULT_METRICS if m in available]
    return wanted


def _list_metrics(values: dict[str, Any], metrics: list[str]) -> str:
    parts = [
        f"{num(values[m])} {_METRIC_LABEL[m]}" if values[m] is not None else f"no {_METRIC_LABEL[m]} count"
        for m in metrics
    ]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def star_coverage_problem(parsed: Parsed, hours: list[dict[str, Any]]) -> str | None:
    """Stars asked over hours some of which the data's source under-delivered stars for."""
    low = [h for h in hours if h.get("star_coverage") == "low"]
    if "stars" in parsed.metrics and low:
        return (
            f"star coverage is low in {len(low)} of the {len(hours)} hours the lake holds for this period: "
            "star counts would be undercounts"
        )
    return None


def _repo(api: ApiTools, parsed: Parsed, repo: str) -> Routed:
    if "anomaly" in parsed.topics:
        return _anomalies(api, parsed, repo=repo)
    if parsed.period is None:
        result = api.repo_overview(repo)
        data = result.data
        metrics = _metrics(parsed, data)
        text = (
            f"{data['repo_name']} had {_list_metrics(data, metrics)} in the lake "
            f"(first seen {_iso(data['first_seen'])}, last seen {_iso(data['last_seen'])})."
        )
        claims = [(text, result.citations[:1])]
        for t, citation in zip(data["trending"], result.citations[1:], strict=False):
            claims.append(
                (f"{data['repo_name']} ranked {t['rank']} in the {t['window']} trending window.", [citation])
            )
        return Routed("repo_overview", claims)
    window, as_of = window_for(parsed.period)
    result = api.repo_activity(repo, window=window, as_of=as_of)
    return _window_claim("repo_activity", result, result.data["repo"], result.data["totals"], parsed)


def _window_claim(route: str, result: ToolResult, name: str, totals: dict, parsed: Parsed) -> Routed:
    data = result.data
    metrics = _metrics(parsed, totals)
    text = (
        f"{name} had {_list_metrics(totals, metrics)} in the {data['window']} window "
        f"from {_iso(data['window_start'])} to {_iso(data['window_end'])}."
    )
    return Routed(route, [(text, result.citations[:1])], coverage=data["coverage"])


def _org(api: ApiTools, parsed: Parsed, org: str) -> Routed:
    if "anomaly" in parsed.topics:
        return _anomalies(api, parsed, org=org)
    window, as_of = window_for(parsed.period) if parsed.period else ("30d", None)
    result = api.org_summary(org, window=window, as_of=as_of)
    data = result.data
    totals = {k: data[k] for k in (*_DEFAULT_METRICS, "prs_opened", "prs_merged", "issues_opened", "actors")}
    routed = _window_claim("org_summary", result, f"The org {data['org']}", totals, parsed)
    if parsed.ranking and data["top_repos"]:
        top = data["top_repos"][0]
        cite = [c for c in result.citations if c.key.get("repo_name") == top["repo_name"]]
        routed.claims.append(
            (f"Its most active repository was {top['repo_name']} with {num(top['events'])} events.", cite)
        )
    return routed


def _trending(api: ApiTools, parsed: Parsed) -> Routed:
    window, as_of = window_for(parsed.period) if parsed.period else ("24h", None)
    result = api.trending(window=window, as_of=as_of, limit=5)
    data = result.data
    claims = [
        (
            f"#{r['rank']} {r['repo_name']}: score {num(r['score'])}, {num(r['stars'])} stars, "
            f"{num(r['forks'])} forks in the {data['window']} window as of {_iso(data['as_of'])}.",
            [c],
        )
        for r, c in zip(data["data"], result.citations, strict=True)
    ]
    return Routed("trending", claims, coverage=data["coverage"])


def _anomalies(api: ApiTools, parsed: Parsed, repo: str | None = None, org: str | None = None) -> Routed:
    since = parsed.period.first.strftime("%Y-%m-%dT%H:%M") if parsed.period else None
    result = api.anomalies(repo=repo, org=org, since=since, limit=5)
    rows = [r for r in result.data["data"] if not parsed.period or _in_period(r["event_hour"], parsed.period)]
    claims = []
    for row, citation in zip(result.data["data"], result.citations, strict=True):
        if row not in rows:
            continue
        claims.append(
            (
                f"Anomaly ({row['severity']}): {num(row['observed'])} {row['metric']} for {row['entity']} at "
                f"{_iso(row['event_hour'])} against a baseline of {num(row['baseline'])} "
                f"(score {num(row['score'])}).",
                [citation],
            )
        )
    if not claims:
        who = repo or org or "the lake"
        cite = [c for c in api.coverage().citations]
        return Routed(
            "anomalies",
            [(f"No anomaly was found for {who} in the period asked.", cite)],
            result.data["coverage"],
        )
    return Routed("anomalies", claims, coverage=result.data["coverage"])


def _in_period(value: Any, period: Period) -> bool:
    hour = datetime.fromisoformat(str(value))
    return period.first <= hour <= period.last


def _coverage(api: ApiTools, parsed: Parsed) -> Routed:
    since = parsed.period.first.strftime("%Y-%m-%dT%H:%M") if parsed.period else None
    until = (parsed.period.last + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M") if parsed.period else None
    result = api.coverage(since=since, until=until)
    c = result.data["coverage"]
    text = (
        f"Between {_iso(result.data['since'])} and {_iso(result.data['until'])}, {num(c['hours_ok'])} of "
        f"{num(c['hours_expected'])} hours are complete, {num(c['hours_low'])} low and "
        f"{num(c['hours_missing'])} missing (status {c['status']}, star coverage {c['star_status']})."
    )
    return Routed("coverage", [(text, result.citations)], coverage=c)


_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def _retrieval(api: ApiTools, parsed: Parsed) -> Routed:
    result = api.search(parsed.text, limit=3)
    hits = result.data["results"]
    if not hits or all(h["bm25_rank"] is None for h in hits):
        return Routed("search", abstain="out of domain: no document of the lake matches the question")
    if hits[0]["kind"] == "metric":
        hits = hits[:1]  # a definition is one section: quote its opening, verbatim
    claims = []
    for hit in hits:
        ids = {
            Citation.for_row(r["table"], r["key"], r["delta_version"], r["values"]).id for r in hit["rows"]
        }
        cite = [c for c in result.citations if c.id in ids]
        text = " ".join(_SENTENCES.split(hit["text"])[:3]) if hit["kind"] == "metric" else hit["text"]
        claims.append((text, cite))
    return Routed("search", claims)


def route(api: ApiTools, parsed: Parsed) -> Routed:
    if not in_domain(parsed):
        return Routed(
            "none", abstain="out of domain: ghintel answers questions about GitHub activity in its lake"
        )
    try:
        if "definition" in parsed.topics:
            return _retrieval(api, parsed)
        if parsed.repos:
            return _repo(api, parsed, parsed.repos[0])
        if parsed.orgs:
            return _org(api, parsed, parsed.orgs[0])
        if "coverage" in parsed.topics:
            return _coverage(api, parsed)
        if "anomaly" in parsed.topics:
            return _anomalies(api, parsed)
        if "trending" in parsed.topics or (
            parsed.ranking and (not parsed.metrics or "stars" in parsed.metrics)
        ):
            return _trending(api, parsed)
        return _retrieval(api, parsed)
    except NotFound as exc:
        return Routed("not_found", abstain=f"not in the lake: {exc}")
