"""Jobs that span domains (the ingest run the Kafka sensor launches and ``ghintel ingest`` executes)
and the one way every domain builds its schedule (``running_utc_schedule``).

The selection is by key prefix/group, resolved when the code location loads, so gold assets added
later under ``defs/gold_dbt/`` (keys ``gold/...`` or group ``gold``) run in the same Dagster run
right after silver without touching this file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dagster as dg

from ghintel_pipeline.lib.dagster_instance import LAKE_WRITER_TAG
from ghintel_pipeline.lib.settings import Settings

INGEST_JOB_NAME = "ingest_github_events_job"

# Retries re-run from the failed step; the lake library resumes from the offsets stored in Delta,
# so a retried step never duplicates rows.
LAKE_WRITER_RUN_TAGS = {
    LAKE_WRITER_TAG: "true",
    "dagster/max_retries": "2",
    "dagster/retry_strategy": "FROM_FAILURE",
    # The daemon fails a run still going after an hour (its process may be dead); the work it
    # committed stays, the next run continues from the stored offsets.
    "dagster/max_runtime": "3600",
}

ingest_selection = (
    dg.AssetSelection.key_prefixes("bronze")
    | dg.AssetSelection.key_prefixes("silver")
    | dg.AssetSelection.key_prefixes("gold")
    | dg.AssetSelection.groups("gold")
)

ingest_github_events_job = dg.define_asset_job(
    INGEST_JOB_NAME,
    selection=ingest_selection,
    description="Kafka -> bronze -> silver (+ quarantine) -> gold marts, with their asset checks.",
    tags=LAKE_WRITER_RUN_TAGS,
    # One process for all steps: the multiprocess default starts a Python per step, each importing
    # the whole code location again (~10 s of CPU here) -- too slow for a run every minute.
    executor_def=dg.in_process_executor,
)


def running_utc_schedule(
    name: str, job: Any, cron: str, description: str | None = None
) -> dg.ScheduleDefinition:
    """A schedule of ``job`` (a job or an asset job) on ``cron`` read in UTC, on by default."""
    return dg.ScheduleDefinition(
        name=name,
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=description,
    )


def settings_schedule(
    name: str, job: Any, cron_setting: str, description: str
) -> Callable[[Settings], dg.ScheduleDefinition]:
    """A builder of ``running_utc_schedule(name, job, ...)`` on the cron that ``Settings`` field
    ``cron_setting`` (env ``cron_setting.upper()``) holds when the definitions are built."""

    def build(settings: Settings) -> dg.ScheduleDefinition:
        return running_utc_schedule(name, job, getattr(settings, cron_setting), description)

    return build


defs = dg.Definitions(jobs=[ingest_github_events_job])
