"""Run an agent graph by name and shape its result as the report the CLI, the monitor and the
reporter publish: ``{agent, target, findings[{text, citations}], rejected, citations, tool_calls,
verified, model}``."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ghintel_agents.runtime import AgentContext, run_config
from ghintel_agents.tools import ApiTools

# name -> package; each has graph.build_graph(model, checkpointer) and context.make_target(...)
AGENTS = {
    "repo-analyst": "ghintel_agents.repo_analyst",
    "org-health": "ghintel_agents.org_health",
    "anomaly-investigator": "ghintel_agents.anomaly_investigator",
    "reporter": "ghintel_agents.reporter",
}


def model_label(model) -> str:
    """'deterministic' without a model (as ``ghintel ask`` reports it), else the model's name."""
    if model is None:
        return "deterministic"
    return getattr(model, "model_name", None) or getattr(model, "model", None) or type(model).__name__


def make_target(name: str, **options: Any) -> dict:
    if name not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; choose one of: {', '.join(AGENTS)}")
    context = importlib.import_module(f"{AGENTS[name]}.context")
    return context.make_target(**{k: v for k, v in options.items() if v is not None})


def run_agent(
    name: str,
    target: dict,
    api: ApiTools,
    *,
    model=None,
    checkpointer=None,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    graph = importlib.import_module(f"{AGENTS[name]}.graph").build_graph(model, checkpointer)
    config = run_config(name)
    state: dict[str, Any] = {}
    for update in graph.stream(
        {"target": target}, config, context=AgentContext(tools=api), stream_mode="updates"
    ):
        for node, values in update.items():
            state.update(values or {})
            if on_step is not None:
                on_step(node)
    findings = state.get("findings", [])
    return {
        "agent": name,
        "target": target,
        "findings": findings,
        "rejected": state.get("rejected", []),
        "citations": state.get("citations", []),
        "tool_calls": state.get("tool_calls", []),
        "verified": bool(findings) and all(f["verified"] for f in findings),
        "model": model_label(model),
        "thread_id": config["configurable"]["thread_id"],
        **state.get("extra", {}),
    }
