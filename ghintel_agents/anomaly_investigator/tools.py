"""The investigator's tools and its deterministic plan: the anomaly row, the hour's stargazers with
their account signals, the trailing day of the repository, and the same day's trending repos (the
fork/star reference)."""

from __future__ import annotations

from ghintel_agents.anomaly_investigator.state import AnomalyTarget
from ghintel_agents.tools import ApiTools

TOOL_NAMES = ("anomalies", "stargazers", "repo_activity", "trending", "search")


def plan(api: ApiTools, target: AnomalyTarget) -> None:
    at = f"{target['event_hour']}:00"
    scope = {"repo": target["entity"]} if target["entity_type"] == "repo" else {"org": target["entity"]}
    api.anomalies(**scope, since=at, limit=50)
    if target["entity_type"] == "repo":
        api.stargazers(target["entity"], "1h", at)
        api.repo_activity(target["entity"], "24h", at)
        api.trending("24h", at, limit=10)
