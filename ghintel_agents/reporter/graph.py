"""reporter: a digest of a window -- trending repos, anomalies with their investigations, and
coverage -- as cited findings; ``digest.py`` renders the verified report as Markdown and HTML."""

from __future__ import annotations

from ghintel_agents.findings import anomaly_drafts, coverage_caveat, row_drafts
from ghintel_agents.reporter.prompts import SYSTEM_PROMPT, question
from ghintel_agents.reporter.state import WindowTarget
from ghintel_agents.reporter.tools import TOOL_NAMES, plan
from ghintel_agents.runtime import AgentSpec, Composed, Draft, Gathered, build_agent_graph


def compose(gathered: Gathered, target: WindowTarget) -> Composed:
    drafts: list[Draft] = []
    extra: dict = {"window": target["window"], "trending": [], "anomalies": [], "investigations": []}
    trending = gathered.get("trending")
    if trending is not None:
        extra.update(as_of=trending.data["as_of"], trending=trending.data["data"])
        drafts += row_drafts(
            trending.data["data"][:5],
            trending.citations,
            lambda row: (
                f"Trending {row['rank']} in the {trending.data['window']} window: {row['repo_name']} "
                f"with score {row['score']}, {row['stars']} stars and {row['forks']} forks."
            ),
        )
    found = gathered.get("anomalies")
    if found is not None:
        extra["anomalies"] = found.data["data"]
    drafts += anomaly_drafts(gathered)
    for run in gathered.all("investigate"):
        by_id = {c.id: c for c in run.citations}
        extra["investigations"].append({"anomaly_id": run.data["anomaly_id"], "signals": run.data["signals"]})
        drafts += [Draft(f["text"], [by_id[i] for i in f["citations"]]) for f in run.data["findings"]]
    coverage = gathered.get("coverage")
    if coverage is not None:
        extra["coverage"] = coverage.data["coverage"]
        caveat = coverage_caveat(coverage.data["coverage"], coverage.citations[0])
        if caveat is not None:
            drafts.append(caveat)
    return Composed(drafts, extra)


SPEC = AgentSpec("reporter", plan, compose, TOOL_NAMES, SYSTEM_PROMPT, question)


def build_graph(model=None, checkpointer=None):
    return build_agent_graph(SPEC, model, checkpointer)


graph = build_graph()
