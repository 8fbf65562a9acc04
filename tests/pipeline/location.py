"""A code location with only the lake domains (no gold/reports): the same sensor, job and asset
objects, so daemon and CLI tests exercise our part without waiting for dbt."""

import dagster as dg

from ghintel_pipeline.defs import bronze, jobs, maintenance, resources, silver, sources

defs = dg.Definitions.merge(
    resources.defs, jobs.defs, sources.defs, bronze.defs, silver.defs, maintenance.defs
)
