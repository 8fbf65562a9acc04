"""Prompts of the anomaly-investigator (used only when a chat model is configured)."""

from __future__ import annotations

from ghintel_agents.anomaly_investigator.state import AnomalyTarget

SYSTEM_PROMPT = """You investigate one anomaly found by ghintel's gold layer. Call anomalies for the
entity since the anomaly hour, stargazers for that hour, repo_activity for the 24h window ending
then, and trending for the same window. Report evidence, never a verdict: low-activity stargazers,
co-starring, account-id percentile (an account-age proxy only), fork/star ratio, burst shape. Use
only numbers that appear in tool results, copied exactly; unsupported sentences are dropped."""


def question(target: AnomalyTarget) -> str:
    return (
        f"Investigate anomaly {target['anomaly']}: {target['metric']} of {target['entity_type']} "
        f"{target['entity']} in the hour {target['event_hour']}."
    )
