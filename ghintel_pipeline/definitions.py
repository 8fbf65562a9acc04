"""The ghintel Dagster code location (``workspace.yaml`` loads this module).

Each domain under ``ghintel_pipeline/defs`` contributes its ``defs`` (or, when settings shape its
definitions - sensor intervals, schedule crons, the first backfill hour - ``build_defs(settings)``);
they are merged here, in the data's order. ``defs`` is built when the code location loads, so the
environment is read then, never at import.
"""

from __future__ import annotations

import dagster as dg

from ghintel_pipeline.defs import (
    agents,
    bronze,
    gold_dbt,
    jobs,
    maintenance,
    rag,
    reports,
    resources,
    silver,
    sources,
)
from ghintel_pipeline.lib.settings import Settings


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    """Every domain's definitions, with ``settings`` (default: the environment now)."""
    settings = settings or Settings()
    return dg.Definitions.merge(
        resources.defs,
        jobs.defs,
        sources.build_defs(settings),
        bronze.build_defs(settings),
        silver.defs,
        gold_dbt.defs,
        rag.defs,
        reports.build_defs(settings),
        agents.build_defs(settings),
        maintenance.defs,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
