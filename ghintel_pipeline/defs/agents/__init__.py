"""gold -> agents: the monitor (sensor + gold/anomaly_investigations) and the reporter's digest."""

import dagster as dg

from ghintel_pipeline.defs.agents.assets import agent_digest, anomaly_investigations
from ghintel_pipeline.defs.agents.schedules import build_agent_digest_job, build_digest_schedule
from ghintel_pipeline.defs.agents.sensors import build_sensor, investigate_anomalies_job
from ghintel_pipeline.lib.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=[anomaly_investigations, agent_digest],
        jobs=[investigate_anomalies_job, build_agent_digest_job],
        sensors=[build_sensor(settings)],
        schedules=[build_digest_schedule(settings)],
    )
