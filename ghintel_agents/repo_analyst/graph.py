"""repo-analyst: activity and its trend vs the previous window, stars/forks, contributors, trending
rank, anomalies and coverage caveats of one repository, each finding cited."""

from __future__ import annotations

from ghintel_agents.findings import anomaly_drafts, coverage_caveat, row_drafts, trend_word
from ghintel_agents.repo_analyst.prompts import SYSTEM_PROMPT, question
from ghintel_agents.repo_analyst.state import RepoTarget
from ghintel_agents.repo_analyst.tools import TOOL_NAMES, plan
from ghintel_agents.runtime import AgentSpec, Composed, Draft, Gathered, build_agent_graph


def compose(gathered: Gathered, target: RepoTarget) -> Composed:
    drafts: list[Draft] = []
    activity = gathered.all("repo_activity")
    current = activity[0] if activity else None
    if current is not None:
        data, totals = current.data, current.data["totals"]
        totals_cite = current.citations[0]
        drafts.append(
            Draft(
                f"{data['repo']} had {totals['events']} events, {totals['stars']} stars, {totals['forks']} "
                f"forks, {totals['pushes']} pushes and {totals['prs_opened']} pull requests opened in the "
                f"{data['window']} window from {data['window_start']} to {data['window_end']}.",
                [totals_cite],
            )
        )
        if len(activity) > 1:
            prev = activity[1]
            before = prev.data["totals"]
            drafts.append(
                Draft(
                    f"Activity is {trend_word(totals['events'], before['events'])} against the previous "
                    f"{data['window']} window: {totals['events']} events vs {before['events']}, "
                    f"{totals['stars']} stars vs {before['stars']}, {totals['forks']} forks vs "
                    f"{before['forks']}.",
                    [totals_cite, prev.citations[0]],
                )
            )
        caveat = coverage_caveat(data["coverage"], current.citations[1])
        if caveat is not None:
            drafts.append(caveat)
    overview = gathered.get("repo_overview")
    if overview is not None:
        data = overview.data
        if data.get("actors") is not None:
            drafts.append(
                Draft(
                    f"{data['repo_name']} has {data['actors']} distinct contributors (actors) and "
                    f"{data['stars']} stars over the lake's history.",
                    [overview.citations[0]],
                )
            )
        drafts += row_drafts(
            data["trending"],
            overview.citations[1:],
            lambda rank: (
                f"{data['repo_name']} ranks {rank['rank']} in the {rank['window']} trending list "
                f"with score {rank['score']}."
            ),
        )
    return Composed(drafts + anomaly_drafts(gathered))


SPEC = AgentSpec("repo-analyst", plan, compose, TOOL_NAMES, SYSTEM_PROMPT, question)


def build_graph(model=None, checkpointer=None):
    return build_agent_graph(SPEC, model, checkpointer)


graph = build_graph()
