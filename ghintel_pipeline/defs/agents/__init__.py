"""gold -> agents: the monitor (sensor + gold/anomaly_investigations) and the reporter's digest."""

import dagster as dg

from ghintel_pipeline.defs.agents.assets import agent_digest, anomaly_investigations
from ghintel_pipeline.defs.agents.schedules import agent_digest_schedule, build_agent_digest_job
from ghintel_pipeline.defs.agents.sensors import gold_anomalies_sensor, investigate_anomalies_job

defs = dg.Definitions(
    assets=[anomaly_investigations, agent_digest],
    jobs=[investigate_anomalies_job, build_agent_digest_job],
    sensors=[gold_anomalies_sensor],
    schedules=[agent_digest_schedule],
)
