"""The reporter's tools and plan: trending, anomalies and coverage of the window, and the
investigator run as a tool on the top anomalies ("anomalies with their investigations")."""

from __future__ import annotations

from ghintel_agents.anomaly_investigator import graph as investigator
from ghintel_agents.anomaly_investigator import tools as investigator_tools
from ghintel_agents.anomaly_investigator.context import make_target as anomaly_target
from ghintel_agents.reporter.state import WindowTarget
from ghintel_agents.runtime import Gathered
from ghintel_agents.tools import ApiTools, ToolResult
from ghintel_api.core.windows import Window, parse_time, window_span

TOOL_NAMES = ("trending", "anomalies", "coverage", "search")
STAR_METRICS = ("stars", "low_activity_stars")


def investigate(api: ApiTools, anomaly: str) -> ToolResult:
    """The investigator's plan and findings for one anomaly id, recorded as one tool call."""
    sub = ApiTools(api.client)
    target = anomaly_target(anomaly)
    investigator_tools.plan(sub, target)
    composed = investigator.compose(Gathered(sub.calls), target)
    citations = {c.id: c for d in composed.drafts for c in d.citations}
    data = {
        "anomaly_id": anomaly,
        "signals": composed.extra["signals"],
        "findings": [{"text": d.text, "citations": [c.id for c in d.citations]} for d in composed.drafts[1:]],
    }
    return api.record("investigate", {"anomaly": anomaly}, data, list(citations.values()))


def plan(api: ApiTools, target: WindowTarget) -> None:
    trending = api.trending(target["window"], target["as_of"], limit=10)
    as_of = trending.data["as_of"]
    if as_of is None:
        return
    span = window_span(Window(target["window"]), parse_time(as_of, "as_of"))
    since, until = span.first_hour.strftime("%Y-%m-%dT%H:%M"), span.end.strftime("%Y-%m-%dT%H:%M")
    found = api.anomalies(since=since, limit=10)
    api.coverage(since, until)
    # the investigator's evidence is about stars: star anomalies first, then the rest by recency
    repo_rows = [r for r in found.data["data"] if r["entity_type"] == "repo"]
    repo_rows.sort(key=lambda r: r["metric"] not in STAR_METRICS)
    for anomaly in [r["anomaly_id"] for r in repo_rows][: target["top"]]:
        investigate(api, anomaly)
