"""State of the reporter graph: the shared agent state, targeted at a window."""

from __future__ import annotations

from typing import TypedDict

from ghintel_agents.runtime import AgentState


class WindowTarget(TypedDict):
    window: str
    as_of: str | None
    top: int


class ReporterState(AgentState):
    target: WindowTarget
