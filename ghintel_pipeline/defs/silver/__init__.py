"""Kafka -> bronze -> silver: the one ingest step (bronze, silver, quarantine) and its checks."""

import dagster as dg

from ghintel_pipeline.defs.silver.assets import ingest_github_events
from ghintel_pipeline.defs.silver.checks import silver_checks

defs = dg.Definitions(assets=[ingest_github_events], asset_checks=silver_checks)
