"""Where events come from: the raw Kafka topic (external) and the GH Archive hourly backfill."""

import dagster as dg

from ghintel_pipeline.defs.sources.assets import (
    backfill_gharchive_job,
    gharchive_hourly,
    github_raw_events_topic,
)
from ghintel_pipeline.defs.sources.checks import gharchive_event_ids_unique_in_silver

defs = dg.Definitions(
    assets=[github_raw_events_topic, gharchive_hourly],
    asset_checks=[gharchive_event_ids_unique_in_silver],
    jobs=[backfill_gharchive_job],
)
