"""Table upkeep: a daily job that compacts, checkpoints and vacuums the lake tables."""

import dagster as dg

from ghintel_pipeline.defs.maintenance.jobs import maintain_lake_job, maintain_lake_schedule

defs = dg.Definitions(jobs=[maintain_lake_job], schedules=[maintain_lake_schedule])
