"""A code location with only the lake domains (no gold/reports): the same sensor, job and asset
objects, so daemon and CLI tests exercise our part without waiting for dbt."""

import dagster as dg

from ghintel_pipeline.defs import bronze, jobs, maintenance, resources, silver, sources
from ghintel_pipeline.lib.settings import Settings


def lake_definitions() -> dg.Definitions:
    settings = Settings()
    return dg.Definitions.merge(
        resources.defs,
        jobs.defs,
        sources.build_defs(settings),
        bronze.build_defs(settings),
        silver.defs,
        maintenance.defs,
    )


defs = dg.definitions(lake_definitions)
