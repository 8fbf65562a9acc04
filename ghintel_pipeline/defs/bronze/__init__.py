"""Kafka -> bronze: the sensor that plans ingest runs (the ingest step itself is in defs/silver)."""

import dagster as dg

from ghintel_pipeline.defs.bronze.sensors import build_kafka_sensor
from ghintel_pipeline.lib.settings import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    return dg.Definitions(sensors=[build_kafka_sensor(settings)])
