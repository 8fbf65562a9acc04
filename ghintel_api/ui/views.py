"""The data of each explorer page: plain functions calling the same query functions as the JSON routes.

Nothing here computes a metric: every number a page shows is a field of a response model that a
JSON route returns for the same parameters (the browser test compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
from fastapi import HTTPException

from ghintel_api.api.params import CoverageParams
from ghintel_api.api.routes.health import lake_inventory, lake_status
from ghintel_api.api.routes.quality import get_coverage
from ghintel_api.core.lake import Lake
from ghintel_api.core.windows import Granularity, Window, default_granularity, floor_hour
from ghintel_api.models import Anomaly
from ghintel_api.queries.actors import actor_activity
from ghintel_api.queries.anomalies import list_anomalies
from ghintel_api.queries.common import as_utc
from ghintel_api.queries.entities import actor_profile, find_entities
from ghintel_api.queries.events import list_events
from ghintel_api.queries.investigations import investigation_for
from ghintel_api.queries.orgs import org_summary, resolve_org
from ghintel_api.queries.repos import repo_activity, repo_overview, resolve_repo
from ghintel_api.queries.trending import trending_history, trending_repos

# The activity categories charted per bucket (fields of ActivityPoint).
ACTIVITY_SERIES = ("events", "pushes", "stars", "forks", "prs_opened", "issues_opened", "comments")
# An actor's categories per bucket (fields of ActorActivityPoint).
ACTOR_SERIES = ("events", "pushes", "prs_opened", "reviews", "comments", "issues_opened", "stars", "forks")
# Scored hours of trending history on the repo page (the route's default look-back).
HISTORY_HOURS = 168
ORG_SERIES = ("events", "pushes", "stars", "prs_opened")
# An anomaly's metric -> the series field that shows it (star bursts are stars).
_METRIC_FIELD = {"low_activity_stars": "stars"}


@dataclass(frozen=True)
class AnomalyKey:
    entity_type: str
    entity: str
    metric: str
    event_hour: datetime


def overview(lake: Lake, cur: duckdb.DuckDBPyConnection, window: Window) -> dict[str, Any]:
    coverage = get_coverage(lake, cur, CoverageParams())
    return {
        "window": window,
        "trending": trending_repos(lake, cur, window, lake.newest_hour, 10),
        "anomalies": _anomalies(lake, cur, limit=10),
        "health": lake_inventory(lake, lake_status(lake)),
        "coverage": coverage,
        "gaps": [h for h in coverage.hours if h.is_gap or h.coverage != "ok" or h.star_coverage != "ok"],
    }


def repo_page(
    lake: Lake,
    cur: duckdb.DuckDBPyConnection,
    full_name: str,
    window: Window,
    granularity: Granularity,
    cursor_key: bytes,
) -> dict[str, Any]:
    repo = resolve_repo(lake, cur, full_name)
    if repo is None:
        raise HTTPException(status_code=404, detail=f"unknown repository {full_name}")
    name = repo["repo_name"]
    # the repo's last active hour: an unbounded silver scan costs ~0.5 s on a 1M-event lake
    events_since = _last_active_hour(repo.get("last_seen"))
    return {
        "events_since": events_since,
        "overview": repo_overview(lake, cur, repo, lake.newest_hour),
        "activity": repo_activity(lake, cur, name, window, lake.newest_hour, granularity),
        "history": trending_history(lake, cur, repo, window, lake.newest_hour, HISTORY_HOURS),
        "anomalies": _anomalies(lake, cur, repo=name, limit=20),
        "events": list_events(lake, cur, repo=name, since=events_since, limit=20, cursor_key=cursor_key),
    }


def org_page(lake: Lake, cur: duckdb.DuckDBPyConnection, org: str, window: Window) -> dict[str, Any]:
    login = resolve_org(lake, cur, org)
    if login is None:
        raise HTTPException(status_code=404, detail=f"unknown organisation {org!r}")
    return {
        "summary": org_summary(lake, cur, login, window, lake.newest_hour, None, 10),
        "anomalies": _anomalies(lake, cur, org=login, limit=20),
    }


def actor_page(
    lake: Lake, cur: duckdb.DuckDBPyConnection, login: str, window: Window, cursor_key: bytes
) -> dict[str, Any]:
    profile = actor_profile(lake, cur, login)
    if profile is None:
        raise HTTPException(status_code=404, detail=f"unknown actor {login}")
    since = _last_active_hour(profile.last_seen)
    events = list_events(lake, cur, actor=login, since=since, limit=50, cursor_key=cursor_key)
    repos: dict[str, int] = {}
    for event in events.data:
        repos[event.repo_name] = repos.get(event.repo_name, 0) + 1
    ranked = sorted(repos.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "profile": profile,
        "activity": actor_activity(lake, cur, login, window, lake.newest_hour, default_granularity(window)),
        "events_since": since,
        "events": events,
        "repos": ranked,
    }


def _last_active_hour(last_seen: datetime | None) -> datetime | None:
    return floor_hour(as_utc(last_seen)) if last_seen is not None else None


def anomalies_page(
    lake: Lake,
    cur: duckdb.DuckDBPyConnection,
    *,
    severity: str | None,
    repo: str | None,
    org: str | None,
    since: datetime | None,
    limit: int,
) -> dict[str, Any]:
    return {
        "anomalies": _anomalies(lake, cur, severity=severity, repo=repo, org=org, since=since, limit=limit)
    }


def anomaly_page(lake: Lake, cur: duckdb.DuckDBPyConnection, key: AnomalyKey) -> dict[str, Any]:
    """One anomaly, the 24 hours up to it of the metric it flags, and the investigation if any."""
    hour = floor_hour(key.event_hour)
    filters = {"repo": key.entity} if key.entity_type == "repo" else {"org": key.entity}
    found = _anomalies(lake, cur, since=hour, limit=500, **filters)
    matches = [a for a in found.data if a.metric == key.metric and a.event_hour == hour]
    if not matches:
        raise HTTPException(status_code=404, detail="no such anomaly")
    anomaly = matches[0]
    field = _METRIC_FIELD.get(anomaly.metric, anomaly.metric)
    if key.entity_type == "repo":
        series = repo_activity(lake, cur, anomaly.entity, Window.h24, hour, Granularity.hour).series
    else:
        series = org_summary(lake, cur, anomaly.entity, Window.h24, hour, Granularity.hour, 1).series
    return {
        "anomaly": anomaly,
        "field": field,
        "series": [(p.ts, getattr(p, field, None)) for p in series],
        "investigation": investigation_for(lake, anomaly),
    }


def search_page(lake: Lake, cur: duckdb.DuckDBPyConnection, text: str) -> dict[str, Any]:
    return {"q": text, "matches": find_entities(lake, cur, text, 10) if text else []}


def _anomalies(lake: Lake, cur: duckdb.DuckDBPyConnection, *, limit: int, **filters):
    """GET /anomalies' answer for these filters; an empty answer while gold has no anomalies table."""
    args = {"since": None, "severity": None, "repo": None, "org": None} | filters
    if not lake.has("anomalies"):
        return None
    return list_anomalies(
        lake, cur, limit=limit, newest_hour=lake.newest_hour, oldest_hour=lake.oldest_hour, **args
    )


def anomaly_link(anomaly: Anomaly) -> str:
    hour = anomaly.event_hour.strftime("%Y-%m-%dT%H:00Z")
    return f"/ui/anomaly/{anomaly.entity_type}/{anomaly.metric}/{hour}/{anomaly.entity}"
