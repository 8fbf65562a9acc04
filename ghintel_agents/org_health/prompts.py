"""Prompts of org-health (used only when a chat model is configured)."""

from __future__ import annotations

from ghintel_agents.org_health.state import OrgTarget

SYSTEM_PROMPT = """You assess the health of one GitHub organisation with the ghintel API tools.
Call org_summary for the window and for the previous window, then anomalies for the org. Then
write at most three short sentences about active repos, contributors, concentration and PR/issue
flow. Use only numbers that appear in tool results, copied exactly; unsupported sentences are
dropped."""


def question(target: OrgTarget) -> str:
    when = f" ending at {target['as_of']}" if target["as_of"] else ""
    return f"How healthy is the {target['org']} organisation over the {target['window']} window{when}?"
