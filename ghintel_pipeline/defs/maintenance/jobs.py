"""``maintain_lake_job`` + ``maintain_lake_schedule``: compaction and vacuum (``maintain_tables``)."""

import dagster as dg

from ghintel_pipeline.defs.jobs import LAKE_WRITER_RUN_TAGS, running_utc_schedule
from ghintel_pipeline.defs.resources import LakeResource
from ghintel_pipeline.lib.dagster_instance import LAKE_WRITER_POOL
from ghintel_pipeline.lib.lake import maintain_tables


class MaintainConfig(dg.Config):
    retention_hours: int = 168


@dg.op(pool=LAKE_WRITER_POOL, description="Compact closed partitions, checkpoint and vacuum every table.")
def maintain_lake_tables(context: dg.OpExecutionContext, config: MaintainConfig, lake: LakeResource) -> dict:
    report = maintain_tables(lake.settings(), retention_hours=config.retention_hours)
    for table, entry in report.items():
        context.log.info(f"{table}: {entry}")
    context.add_output_metadata(
        {
            "tables": dg.MetadataValue.json(report),
            "vacuumed_files": sum(e.get("vacuumed_files", 0) for e in report.values()),
        }
    )
    return report


@dg.job(
    tags=LAKE_WRITER_RUN_TAGS,
    executor_def=dg.in_process_executor,
    description="Daily upkeep of the bronze/silver Delta tables.",
)
def maintain_lake_job():
    maintain_lake_tables()


maintain_lake_schedule = running_utc_schedule("maintain_lake_schedule", maintain_lake_job, "17 3 * * *")
