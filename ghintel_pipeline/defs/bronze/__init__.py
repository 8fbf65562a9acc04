"""Kafka -> bronze: the sensor that plans ingest runs (the ingest step itself is in defs/silver)."""

import dagster as dg

from ghintel_pipeline.defs.bronze.sensors import kafka_github_events_sensor

defs = dg.Definitions(sensors=[kafka_github_events_sensor])
