"""Where events come from: the raw Kafka topic (external) and the GH Archive hourly backfill."""

import dagster as dg

from ghintel_pipeline.defs.sources.assets import (
    build_backfill_job,
    build_gharchive_hourly,
    github_raw_events_topic,
    hourly_partitions,
)
from ghintel_pipeline.defs.sources.checks import gharchive_event_ids_unique_in_silver
from ghintel_pipeline.lib.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    partitions_def = hourly_partitions(settings)
    return dg.Definitions(
        assets=[github_raw_events_topic, build_gharchive_hourly(partitions_def)],
        asset_checks=[gharchive_event_ids_unique_in_silver],
        jobs=[build_backfill_job(partitions_def)],
    )
