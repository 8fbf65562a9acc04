"""Run-time inputs of the repo-analyst: the API tools (shared context) and the target's defaults."""

from __future__ import annotations

from ghintel_agents.repo_analyst.state import RepoTarget
from ghintel_agents.runtime import AgentContext

__all__ = ["AgentContext", "make_target"]


def make_target(repo: str, window: str = "24h", as_of: str | None = None) -> RepoTarget:
    if repo.count("/") != 1:
        raise ValueError(f"--repo must be OWNER/NAME, got {repo!r}")
    return RepoTarget(repo=repo, window=window, as_of=as_of)
