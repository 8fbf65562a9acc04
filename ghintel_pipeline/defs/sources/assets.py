"""Sources: the raw-events Kafka topic (produced outside Dagster) and GH Archive hours.

``gharchive_hourly`` loads one GH Archive hour per partition straight into bronze and silver via
``backfill_gharchive_hour`` (a run over a partition range loads its hours in ``workers`` processes,
``backfill_gharchive_hours``); re-materializing a partition replaces that hour's bronze rows and
leaves silver unchanged (insert-only merge on event_id), so backfills are safe to repeat.
"""

import datetime as dt
import time
from pathlib import Path

import dagster as dg
from pydantic import Field

from ghintel_pipeline.defs.jobs import LAKE_WRITER_RUN_TAGS
from ghintel_pipeline.defs.keys import GHARCHIVE_KEY, KAFKA_TOPIC_KEY
from ghintel_pipeline.defs.resources import LakeResource
from ghintel_pipeline.defs.silver.assets import DATES_TOUCHED, dates_of_hours, rate
from ghintel_pipeline.lib.dagster_instance import LAKE_WRITER_POOL
from ghintel_pipeline.lib.gharchive.hours import hour_url, parse_hour
from ghintel_pipeline.lib.lake import backfill_gharchive_hour
from ghintel_pipeline.lib.lake.backfill_hours import backfill_gharchive_hours
from ghintel_pipeline.lib.settings import Settings

PARTITION_FMT = "%Y-%m-%d-%H"

github_raw_events_topic = dg.AssetSpec(
    KAFKA_TOPIC_KEY,
    group_name="sources",
    kinds={"kafka"},
    description="Kafka topic of raw GitHub events (GHINTEL_TOPIC), fed by `ghintel produce ...`.",
)


def hourly_partitions(settings: Settings) -> dg.HourlyPartitionsDefinition:
    """One partition per hour from ``GHINTEL_GHARCHIVE_START``. Keys are zero-padded (sortable in
    the UI); GH Archive names hours without padding."""
    return dg.HourlyPartitionsDefinition(
        start_date=settings.ghintel_gharchive_start, fmt=PARTITION_FMT, timezone="UTC"
    )


def gharchive_hour(partition_key: str) -> str:
    """``2015-01-01-05`` (partition key) -> ``2015-01-01-5`` (GH Archive's file name)."""
    hour = dt.datetime.strptime(partition_key, PARTITION_FMT)
    return f"{hour:%Y-%m-%d}-{hour.hour}"


class GharchiveConfig(dg.Config):
    """Where hour files come from; both empty = GHARCHIVE_DIR, else GHARCHIVE_BASE_URL."""

    dir: str | None = Field(default=None, description="Folder holding YYYY-MM-DD-H.json.gz files.")
    base_url: str | None = Field(default=None, description="HTTP base URL instead of GHARCHIVE_BASE_URL.")
    workers: int = Field(
        default=2, ge=1, description="Processes loading the hours of a range run (one hour each at a time)."
    )


def hour_source(config: GharchiveConfig, settings: Settings, hour: str) -> str | None:
    """The file or URL of ``hour``; None lets the library use GHARCHIVE_BASE_URL."""
    folder = config.dir or settings.gharchive_dir
    if folder:
        return str(Path(folder).expanduser() / f"{hour}.json.gz")
    if config.base_url:
        return f"{config.base_url.rstrip('/')}/{hour}.json.gz"
    return None


def load_gharchive_partition(
    context: dg.AssetExecutionContext, config: GharchiveConfig, lake: LakeResource
) -> dg.MaterializeResult:
    """The body of ``gharchive_hourly``: the run's hour, or its hour range (``ghintel backfill
    gharchive --workers N`` runs one), into bronze and silver."""
    started = time.monotonic()
    lake_settings = lake.settings()
    hours = [gharchive_hour(key) for key in context.partition_keys]
    if len(hours) == 1:
        source = hour_source(config, lake_settings, hours[0])
        reports = [backfill_gharchive_hour(lake_settings, hours[0], path_or_url=source)]
    else:
        base = lake_settings.gharchive_base_url
        sources = [(h, hour_source(config, lake_settings, h) or hour_url(base, parse_hour(h))) for h in hours]
        reports = backfill_gharchive_hours(lake_settings, sources, parallel=config.workers)
    for report in reports:
        context.log.info(
            f"{report['hour']}: {report['lines']} lines, {report['silver_written']} new silver events, "
            f"{report['duplicates']} duplicates, {report['quarantined']} quarantined "
            f"in {report['seconds']:.1f}s"
        )
    counts = ("lines", "bronze_rows", "silver_written", "duplicates", "quarantined")
    totals = {k: sum(r[k] for r in reports) for k in counts}
    seconds = reports[0]["seconds"] if len(reports) == 1 else round(time.monotonic() - started, 3)
    touched = sorted({h for r in reports for h in r["event_hours_touched"]})
    per_hour = [_hour_meta(r) for r in reports] if len(reports) > 1 else None
    return dg.MaterializeResult(
        metadata={
            "hour": hours[0] if len(hours) == 1 else f"{hours[0]}..{hours[-1]}",
            "file": reports[0]["file"] if len(reports) == 1 else f"{len(reports)} files",
            **totals,
            "seconds": seconds,
            "events_per_s": rate(totals["lines"], seconds),
            DATES_TOUCHED: dg.MetadataValue.json(dates_of_hours(touched)),
            **({"per_hour": dg.MetadataValue.json(per_hour)} if per_hour else {}),
        }
    )


def _hour_meta(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "event_hours_touched"}


def build_gharchive_hourly(partitions_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    @dg.asset(
        key=GHARCHIVE_KEY,
        partitions_def=partitions_def,
        pool=LAKE_WRITER_POOL,
        group_name="sources",
        kinds={"delta"},
        description="One GH Archive hour per partition, loaded into bronze and merged into silver.",
    )
    def gharchive_hourly(
        context: dg.AssetExecutionContext, config: GharchiveConfig, lake: LakeResource
    ) -> dg.MaterializeResult:
        return load_gharchive_partition(context, config, lake)

    return gharchive_hourly


def build_backfill_job(partitions_def: dg.PartitionsDefinition):
    """``backfill_gharchive_job``: the job the UI's backfills and ``ghintel backfill`` run."""
    return dg.define_asset_job(
        "backfill_gharchive_job",
        selection=[GHARCHIVE_KEY],
        partitions_def=partitions_def,
        description="Load GH Archive hours; launch a backfill over an hour range from this job's page.",
        tags=LAKE_WRITER_RUN_TAGS,
        executor_def=dg.in_process_executor,
    )
