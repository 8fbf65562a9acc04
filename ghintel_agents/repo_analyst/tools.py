"""The repo-analyst's tools and its deterministic plan (what it fetches when no model chooses)."""

from __future__ import annotations

from ghintel_agents.repo_analyst.state import RepoTarget
from ghintel_agents.tools import ApiTools, with_previous

TOOL_NAMES = ("repo_overview", "repo_activity", "anomalies", "trending", "search")


def plan(api: ApiTools, target: RepoTarget) -> None:
    api.repo_overview(target["repo"])
    with_previous(lambda as_of: api.repo_activity(target["repo"], target["window"], as_of), target["as_of"])
    api.anomalies(repo=target["repo"], limit=5)
