"""Gold on its own (backfills, full refreshes); the ingest job already runs it after silver."""

import dagster as dg

from ghintel_pipeline.defs.gold_dbt.assets import GOLD_GROUP
from ghintel_pipeline.defs.jobs import LAKE_WRITER_RUN_TAGS

build_gold_job = dg.define_asset_job(
    "build_gold_job",
    selection=dg.AssetSelection.groups(GOLD_GROUP),
    description=(
        "dbt build of the gold marts + export to Delta. Run config "
        "ops.gold_dbt_models.config: event_hours (extra hours to recompute), full_refresh, as_of."
    ),
    tags=LAKE_WRITER_RUN_TAGS,
)
