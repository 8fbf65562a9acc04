"""Kafka -> bronze: the raw events, exactly once per Kafka offset."""

import dagster as dg

from ghintel_pipeline.defs.bronze.assets import bronze_github_events
from ghintel_pipeline.defs.bronze.sensors import kafka_github_events_sensor

defs = dg.Definitions(assets=[bronze_github_events], sensors=[kafka_github_events_sensor])
