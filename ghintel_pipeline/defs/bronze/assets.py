"""``bronze/github_events``: drain the raw topic into Delta (logic in ``lib.lake``)."""

import dagster as dg

from ghintel_pipeline.defs.keys import BRONZE_KEY, KAFKA_TOPIC_KEY, table_of
from ghintel_pipeline.defs.resources import KafkaResource, LakeResource
from ghintel_pipeline.lib.dagster_instance import LAKE_WRITER_POOL
from ghintel_pipeline.lib.lake import BrokerResetError, drain_kafka_to_bronze, lake_table_uri, plan_ingest


def rate(rows: int, seconds: float) -> float:
    return round(rows / seconds, 1) if seconds > 0 else 0.0


@dg.asset(
    key=BRONZE_KEY,
    deps=[KAFKA_TOPIC_KEY],
    pool=LAKE_WRITER_POOL,
    group_name="bronze",
    kinds={"delta", "kafka"},
    description="Raw Kafka records (bytes as received) with topic/partition/offset; one row per offset.",
)
def bronze_github_events(
    context: dg.AssetExecutionContext, kafka: KafkaResource, lake: LakeResource
) -> dg.MaterializeResult:
    settings = lake.settings(kafka)
    lag_before = plan_ingest(settings).lag
    try:
        summary = drain_kafka_to_bronze(
            settings, progress=lambda stage, rows: context.log.debug(f"{stage}: {rows} rows written")
        )
    except BrokerResetError as exc:
        # Retrying cannot help: an operator must check and accept the reset (a new offset epoch).
        raise dg.Failure(
            description=f"{exc}. Check the broker, then run `ghintel lake accept-broker-reset`.",
            allow_retries=False,
        ) from exc
    context.log.info(
        f"bronze: {summary.rows_written} rows in {summary.commits} commits, "
        f"{summary.seconds:.1f}s, caught_up={summary.caught_up}"
    )
    return dg.MaterializeResult(
        metadata={
            "rows_read": summary.rows_read,
            "rows_written": summary.rows_written,
            "bytes_written": summary.bytes_written,
            "commits": summary.commits,
            "lag_before": lag_before,
            "caught_up": summary.caught_up,
            "seconds": summary.seconds,
            "events_per_s": rate(summary.rows_written, summary.seconds),
            "epoch": summary.epoch,
            "offsets": dg.MetadataValue.json({str(p): o for p, o in summary.offsets.items()}),
            "uri": dg.MetadataValue.path(lake_table_uri(settings, *table_of(BRONZE_KEY))),
        }
    )
