"""Prompts of the reporter (used only when a chat model is configured)."""

from __future__ import annotations

from ghintel_agents.reporter.state import WindowTarget

SYSTEM_PROMPT = """You write a digest of GitHub activity with the ghintel API tools. Call trending
for the window, anomalies since the window's start and coverage for the window. Then write at most
three short sentences. Use only numbers that appear in tool results, copied exactly; unsupported
sentences are dropped."""


def question(target: WindowTarget) -> str:
    when = f" ending at {target['as_of']}" if target["as_of"] else ""
    return f"Write the digest of the {target['window']} window{when}."
