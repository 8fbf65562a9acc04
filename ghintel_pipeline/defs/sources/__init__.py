"""Where events come from: the raw Kafka topic (external) and the GH Archive hourly backfill."""

import dagster as dg

from ghintel_pipeline.defs.sources.assets import (
    backfill_gharchive_job,
    gharchive_hourly,
    github_raw_events_topic,
)

defs = dg.Definitions(assets=[github_raw_events_topic, gharchive_hourly], jobs=[backfill_gharchive_job])
