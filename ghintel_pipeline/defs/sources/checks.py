"""Check on the backfill: the hours it merged into silver left every event_id unique there.

Silver's own uniqueness check scans the partitions the latest *ingest* changed; a backfill merges
into silver outside that asset, so its partitions are checked here, after each hour.
"""

import dagster as dg

from ghintel_pipeline.defs.keys import GHARCHIVE_KEY
from ghintel_pipeline.defs.resources import LakeResource
from ghintel_pipeline.defs.silver.checks import dates_to_check, uniqueness_result
from ghintel_pipeline.lib.lake.silver_checks import duplicate_event_ids


@dg.asset_check(
    asset=GHARCHIVE_KEY,
    description="event_id is unique in the silver partitions the latest backfilled hour merged into.",
)
def gharchive_event_ids_unique_in_silver(
    context: dg.AssetCheckExecutionContext, lake: LakeResource
) -> dg.AssetCheckResult:
    found = duplicate_event_ids(lake.settings(), dates_to_check(context.instance, GHARCHIVE_KEY))
    return uniqueness_result(found)
