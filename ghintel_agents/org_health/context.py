"""Run-time inputs of org-health: the API tools (shared context) and the target's defaults."""

from __future__ import annotations

from ghintel_agents.org_health.state import OrgTarget
from ghintel_agents.runtime import AgentContext

__all__ = ["AgentContext", "make_target"]


def make_target(org: str, window: str = "7d", as_of: str | None = None) -> OrgTarget:
    if not org or "/" in org:
        raise ValueError(f"--org must be an organisation login, got {org!r}")
    return OrgTarget(org=org, window=window, as_of=as_of)
