"""org-health: active repos, contributors, concentration (share of the top contributor), PR/issue
flow and trend of one organisation, each finding cited."""

from __future__ import annotations

from ghintel_agents.findings import anomaly_drafts, coverage_caveat, trend_word
from ghintel_agents.org_health.prompts import SYSTEM_PROMPT, question
from ghintel_agents.org_health.state import OrgTarget
from ghintel_agents.org_health.tools import TOOL_NAMES, plan
from ghintel_agents.runtime import AgentSpec, Composed, Draft, Gathered, build_agent_graph


def compose(gathered: Gathered, target: OrgTarget) -> Composed:
    drafts: list[Draft] = []
    summaries = gathered.all("org_summary")
    if summaries:
        now = summaries[0]
        data, totals_cite = now.data, now.citations[0]
        drafts.append(
            Draft(
                f"{data['org']} had {data['events']} events in {data['repos']} active repositories by "
                f"{data['actors']} contributors in the {data['window']} window from {data['window_start']} "
                f"to {data['window_end']}.",
                [totals_cite],
            )
        )
        drafts.append(
            Draft(
                f"Pull request and issue flow: {data['prs_opened']} pull requests opened, "
                f"{data['prs_merged']} merged, {data['issues_opened']} issues opened.",
                [totals_cite],
            )
        )
        repo_cites = now.citations[2 : 2 + len(data["top_repos"])]
        actor_cites = now.citations[2 + len(data["top_repos"]) :]
        if data["top_actors"] and data["events"]:
            top = data["top_actors"][0]
            drafts.append(
                Draft(
                    f"Concentration: the top contributor {top['login']} made {top['events']} of the "
                    f"{data['events']} events.",
                    [totals_cite, actor_cites[0]],
                )
            )
        if data["top_repos"] and data["events"]:
            top = data["top_repos"][0]
            drafts.append(
                Draft(
                    f"The busiest repository {top['repo_name']} had {top['events']} of the {data['events']} "
                    "events.",
                    [totals_cite, repo_cites[0]],
                )
            )
        if len(summaries) > 1:
            before = summaries[1].data
            drafts.append(
                Draft(
                    f"Activity is {trend_word(data['events'], before['events'])} against the previous "
                    f"{data['window']} window: {data['events']} events vs {before['events']}, "
                    f"{data['actors']} contributors vs {before['actors']}.",
                    [totals_cite, summaries[1].citations[0]],
                )
            )
        caveat = coverage_caveat(data["coverage"], now.citations[1])
        if caveat is not None:
            drafts.append(caveat)
    return Composed(drafts + anomaly_drafts(gathered))


SPEC = AgentSpec("org-health", plan, compose, TOOL_NAMES, SYSTEM_PROMPT, question)


def build_graph(model=None, checkpointer=None):
    return build_agent_graph(SPEC, model, checkpointer)


graph = build_graph()
