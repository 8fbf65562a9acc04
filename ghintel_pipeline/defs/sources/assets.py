"""Sources: the raw-events Kafka topic (produced outside Dagster) and GH Archive hours.

``gharchive_hourly`` loads one GH Archive hour per partition straight into bronze and silver via
``backfill_gharchive_hour``; re-materializing a partition replaces that hour's bronze rows and
leaves silver unchanged (insert-only merge on event_id), so backfills are safe to repeat.
"""

import datetime as dt
from pathlib import Path

import dagster as dg
from pydantic import Field

from ghintel_pipeline.defs.jobs import LAKE_WRITER_RUN_TAGS
from ghintel_pipeline.defs.keys import GHARCHIVE_KEY, KAFKA_TOPIC_KEY
from ghintel_pipeline.defs.resources import LakeResource
from ghintel_pipeline.defs.silver.assets import DATES_TOUCHED, dates_of_hours, rate
from ghintel_pipeline.lib.dagster_instance import LAKE_WRITER_POOL
from ghintel_pipeline.lib.lake import backfill_gharchive_hour
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
    """The body of ``gharchive_hourly``: the partition's hour into bronze and silver."""
    lake_settings = lake.settings()
    hour = gharchive_hour(context.partition_key)
    source = hour_source(config, lake_settings, hour)
    report = backfill_gharchive_hour(lake_settings, hour, path_or_url=source)
    context.log.info(
        f"{hour}: {report['lines']} lines, {report['silver_written']} new silver events, "
        f"{report['duplicates']} duplicates, {report['quarantined']} quarantined in {report['seconds']:.1f}s"
    )
    return dg.MaterializeResult(
        metadata={
            "hour": hour,
            "file": report["file"],
            "lines": report["lines"],
            "bronze_rows": report["bronze_rows"],
            "silver_written": report["silver_written"],
            "duplicates": report["duplicates"],
            "quarantined": report["quarantined"],
            "seconds": report["seconds"],
            "events_per_s": rate(report["lines"], report["seconds"]),
            DATES_TOUCHED: dg.MetadataValue.json(dates_of_hours(report["event_hours_touched"])),
        }
    )


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
