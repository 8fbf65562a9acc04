"""Run-time inputs of the investigator: the API tools (shared context) and the parsed anomaly id."""

from __future__ import annotations

from ghintel_agents.anomaly_investigator.state import AnomalyTarget
from ghintel_agents.runtime import AgentContext
from ghintel_agents.tools import parse_anomaly_id

__all__ = ["AgentContext", "make_target"]


def make_target(anomaly: str) -> AnomalyTarget:
    """``repo:owner/name:stars:2015-01-01T01`` (as listed by ``anomalies``) -> the target."""
    return AnomalyTarget(anomaly=anomaly, **parse_anomaly_id(anomaly))
