"""The ghintel Dagster code location (``workspace.yaml`` loads this module).

Each domain under ``ghintel_pipeline/defs`` contributes its ``defs`` (or, when settings shape its
definitions - sensor intervals, schedule crons, the first backfill hour - ``build_defs(settings)``);
they are merged here, in the data's order (the gold-side domains are imported only when the whole
location is built). ``defs`` is built when the code location loads, so the
environment is read then, never at import.
"""

from __future__ import annotations

import dagster as dg

from ghintel_pipeline.defs import bronze, jobs, maintenance, resources, silver, sources
from ghintel_pipeline.lib.settings import Settings


def lake_definitions(settings: Settings) -> dg.Definitions:
    """Sources, bronze, silver and their upkeep: all a GH Archive backfill needs, without importing
    dbt (the gold domain is most of the location's import time)."""
    return dg.Definitions.merge(
        resources.defs,
        jobs.defs,
        sources.build_defs(settings),
        bronze.build_defs(settings),
        silver.defs,
        maintenance.defs,
    )


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """Every domain's definitions, with ``settings`` (default: the environment now)."""
    from ghintel_pipeline.defs import agents, gold_dbt, rag, reports

    settings = settings or Settings()
    return dg.Definitions.merge(
        lake_definitions(settings),
        gold_dbt.defs,
        rag.defs,
        reports.build_defs(settings),
        agents.build_defs(settings),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
