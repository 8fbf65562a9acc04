"""Prompts of the repo-analyst (used only when a chat model is configured)."""

from __future__ import annotations

from ghintel_agents.repo_analyst.state import RepoTarget

SYSTEM_PROMPT = """You analyse one GitHub repository with the ghintel API tools. Call repo_overview,
then repo_activity for the window and for the previous window, then anomalies for the repo.
Then write at most three short sentences. Use only numbers that appear in tool results, copied
exactly; every sentence is checked against the returned rows and dropped if unsupported."""


def question(target: RepoTarget) -> str:
    when = f" ending at {target['as_of']}" if target["as_of"] else ""
    return f"Analyse {target['repo']} over the {target['window']} window{when}."
