"""State of the org-health graph: the shared agent state, targeted at one organisation."""

from __future__ import annotations

from typing import TypedDict

from ghintel_agents.runtime import AgentState


class OrgTarget(TypedDict):
    org: str
    window: str
    as_of: str | None


class OrgHealthState(AgentState):
    target: OrgTarget
