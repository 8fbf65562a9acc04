"""State of the anomaly-investigator: the shared agent state, targeted at one anomaly row."""

from __future__ import annotations

from typing import TypedDict

from ghintel_agents.runtime import AgentState


class AnomalyTarget(TypedDict):
    anomaly: str
    entity_type: str
    entity: str
    metric: str
    event_hour: str


class InvestigatorState(AgentState):
    target: AnomalyTarget
