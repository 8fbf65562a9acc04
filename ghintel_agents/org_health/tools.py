"""The org-health tools and its deterministic plan."""

from __future__ import annotations

from ghintel_agents.org_health.state import OrgTarget
from ghintel_agents.tools import ApiTools, with_previous

TOOL_NAMES = ("org_summary", "anomalies", "search")


def plan(api: ApiTools, target: OrgTarget) -> None:
    with_previous(lambda as_of: api.org_summary(target["org"], target["window"], as_of), target["as_of"])
    api.anomalies(org=target["org"], limit=5)
