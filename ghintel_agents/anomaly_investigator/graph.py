"""anomaly-investigator: StarScout-style evidence for one anomaly from our own data, each signal
with its strength and citations -- never a verdict."""

from __future__ import annotations

from ghintel_agents.anomaly_investigator import signals
from ghintel_agents.anomaly_investigator.prompts import SYSTEM_PROMPT, question
from ghintel_agents.anomaly_investigator.state import AnomalyTarget
from ghintel_agents.anomaly_investigator.tools import TOOL_NAMES, plan
from ghintel_agents.findings import describe_anomaly
from ghintel_agents.runtime import AgentSpec, Composed, Draft, Gathered, build_agent_graph
from ghintel_agents.tools import ToolResult


def _signal_draft(signal: signals.Signal | None, citations, found: list) -> None:
    if signal is None:
        return
    proxy = " (a proxy, not an age)" if signal.proxy else ""
    found.append(
        (signal, Draft(f"Signal {signal.name}{proxy}: {signal.detail}; strength {signal.label}.", citations))
    )


def _star_signals(stars: ToolResult | None, activity: ToolResult | None, trending: ToolResult | None) -> list:
    found: list = []
    if stars is not None:
        rows, summary = stars.data["data"], stars.citations[0]
        actor_cites = stars.citations[1 : 1 + len(rows)]
        co_cites = stars.citations[1 + len(rows) :]
        _signal_draft(signals.low_activity_share(rows), [summary, *actor_cites], found)
        co = signals.lockstep_costarring(stars.data["stargazers"], stars.data["co_starred"])
        _signal_draft(co, [summary, *co_cites[:1]], found)
        _signal_draft(signals.account_age_proxy(rows), actor_cites, found)
        _signal_draft(signals.arrival_regularity([r["starred_at"] for r in rows]), [summary], found)
        if activity is not None:
            day = activity.data["totals"]["stars"]
            _signal_draft(
                signals.burst_concentration(stars.data["stargazers"], day),
                [summary, activity.citations[0]],
                found,
            )
    if activity is not None and trending is not None:
        totals, rows = activity.data["totals"], trending.data["data"]
        ratio = signals.fork_star_ratio(
            totals["stars"], totals["forks"], sum(r["stars"] for r in rows), sum(r["forks"] for r in rows)
        )
        _signal_draft(ratio, [activity.citations[0], *trending.citations], found)
    return found


def compose(gathered: Gathered, target: AnomalyTarget) -> Composed:
    drafts: list[Draft] = []
    listed = gathered.get("anomalies")
    row = None
    if listed is not None:
        pairs = zip(listed.data["data"], listed.citations, strict=True)
        row, citation = next(((r, c) for r, c in pairs if r["anomaly_id"] == target["anomaly"]), (None, None))
        if row is not None:
            drafts.append(describe_anomaly(row, citation))
    found = _star_signals(gathered.get("stargazers"), gathered.get("repo_activity"), gathered.get("trending"))
    drafts += [draft for _, draft in found]
    extra = {
        "anomaly": row,
        "signals": [signal.as_dict() for signal, _ in found],
        "verdict": None,  # evidence only: deciding fraud needs GitHub's own account data
    }
    return Composed(drafts, extra)


SPEC = AgentSpec("anomaly-investigator", plan, compose, TOOL_NAMES, SYSTEM_PROMPT, question)


def build_graph(model=None, checkpointer=None):
    return build_agent_graph(SPEC, model, checkpointer)


graph = build_graph()
