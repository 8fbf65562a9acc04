"""Run-time inputs of the reporter: the API tools (shared context) and the target's defaults."""

from __future__ import annotations

from ghintel_agents.reporter.state import WindowTarget
from ghintel_agents.runtime import AgentContext
from ghintel_api.core.windows import Window

__all__ = ["AgentContext", "make_target"]


def make_target(window: str = "24h", as_of: str | None = None, top: int = 3) -> WindowTarget:
    Window(window)  # ValueError names the bad window
    return WindowTarget(window=window, as_of=as_of, top=top)
