"""State of the repo-analyst graph: the shared agent state, targeted at one repository."""

from __future__ import annotations

from typing import TypedDict

from ghintel_agents.runtime import AgentState


class RepoTarget(TypedDict):
    repo: str
    window: str
    as_of: str | None


class RepoAnalystState(AgentState):
    target: RepoTarget
