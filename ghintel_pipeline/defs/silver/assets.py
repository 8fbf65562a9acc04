"""Kafka -> ``bronze/github_events`` -> ``silver/github_events`` + its quarantine: one step.

The step runs ``run_ingest``, the same composition ``ghintel ingest``, the benchmarks and the
fault-injection tests run (logic in ``lib.lake``): each bronze commit is promoted to silver while
the next Kafka batch is read.
"""

from collections.abc import Iterator

import dagster as dg

from ghintel_pipeline.defs.keys import BRONZE_KEY, KAFKA_TOPIC_KEY, QUARANTINE_KEY, SILVER_KEY, table_of
from ghintel_pipeline.defs.resources import KafkaResource, LakeResource
from ghintel_pipeline.lib.dagster_instance import LAKE_WRITER_POOL
from ghintel_pipeline.lib.gold import plan_gold_run
from ghintel_pipeline.lib.lake import (
    BrokerResetError,
    BronzeSummary,
    SilverSummary,
    lake_table_uri,
    plan_ingest,
    run_ingest,
)
from ghintel_pipeline.lib.settings import Settings

# Recorded on each silver materialization so the asset checks can scope their scans to the
# event_date partitions this run changed.
DATES_TOUCHED = "event_dates_touched"


def rate(rows: int, seconds: float) -> float:
    return round(rows / seconds, 1) if seconds > 0 else 0.0


def dates_of_hours(hours: list[str]) -> list[str]:
    """``2015-01-01T15:00:00Z`` -> ``2015-01-01`` (silver's event_date partition values)."""
    return sorted({hour[:10] for hour in hours})


def _lake_table_spec(key: dg.AssetKey, dep: dg.AssetKey, description: str, *kinds: str) -> dg.AssetSpec:
    """A Delta table the ingest step writes: grouped by its layer (the key's first part)."""
    return dg.AssetSpec(
        key,
        deps=[dep],
        group_name=key.path[0],
        kinds={"delta", *kinds},
        skippable=True,
        description=description,
    )


@dg.multi_asset(
    specs=[
        _lake_table_spec(
            BRONZE_KEY,
            KAFKA_TOPIC_KEY,
            "Raw Kafka records (bytes as received) with topic/partition/offset, one row each.",
            "kafka",
        ),
        _lake_table_spec(
            SILVER_KEY,
            BRONZE_KEY,
            "Events that passed the contract, enriched, one row per event_id, by event_date.",
        ),
        _lake_table_spec(
            QUARANTINE_KEY,
            BRONZE_KEY,
            "Raw records the contract rejected, with reason and Kafka coordinates.",
        ),
    ],
    pool=LAKE_WRITER_POOL,
    name="ingest_github_events",
)
def ingest_github_events(
    context: dg.AssetExecutionContext, kafka: KafkaResource, lake: LakeResource
) -> Iterator[dg.MaterializeResult]:
    settings = lake.settings(kafka)
    lag_before = plan_ingest(settings).lag
    try:
        run = run_ingest(settings, progress=lambda stage, rows: context.log.debug(f"{stage}: {rows} rows"))
    except BrokerResetError as exc:
        # Retrying cannot help: an operator must check and accept the reset (a new offset epoch).
        raise dg.Failure(
            description=f"{exc}. Check the broker, then run `ghintel lake accept-broker-reset`.",
            allow_retries=False,
        ) from exc
    bronze, summary = run.bronze, run.silver
    gold_plan = plan_gold_run(settings) if bronze.rows_read == 0 and summary.rows_read == 0 else None
    if gold_plan is not None and gold_plan.mode == "noop":
        # Nothing new for the lake nor gold: no materialization, so Dagster skips the gold step and
        # its checks instead of painting them "0 / N passed" and gold "Unsynced".
        context.log.info(f"nothing new for bronze, silver or gold ({gold_plan.reason}): skipped")
        return
    context.log.info(
        f"bronze: {bronze.rows_written} rows in {bronze.commits} commits, "
        f"{bronze.seconds:.1f}s, caught_up={bronze.caught_up}"
    )
    yield _layer_result(
        settings,
        BRONZE_KEY,
        bronze,
        ("rows_read", "rows_written", "bytes_written", "commits", "caught_up", "epoch"),
        bronze.rows_written,
        lag_before=lag_before,
    )
    context.log.info(
        f"silver: {summary.silver_written} new, {summary.duplicates} duplicates, "
        f"{summary.quarantined} quarantined of {summary.rows_read} bronze rows in {summary.seconds:.1f}s"
    )
    dates = dates_of_hours(summary.event_hours_touched)
    yield _layer_result(
        settings,
        SILVER_KEY,
        summary,
        ("rows_read", "duplicates", "quarantined", "commits"),
        summary.rows_read,
        rows_written=summary.silver_written,
        event_hours_touched=len(summary.event_hours_touched),
        **{DATES_TOUCHED: dg.MetadataValue.json(dates)},
    )
    yield dg.MaterializeResult(
        asset_key=QUARANTINE_KEY,
        metadata={
            "rows_written": summary.quarantined,
            "share_of_batch": round(summary.quarantined / summary.rows_read, 4) if summary.rows_read else 0.0,
            "uri": dg.MetadataValue.path(lake_table_uri(settings, *table_of(QUARANTINE_KEY))),
        },
    )


def _layer_result(
    settings: Settings,
    key: dg.AssetKey,
    summary: BronzeSummary | SilverSummary,
    fields: tuple[str, ...],
    rows: int,
    **figures,
) -> dg.MaterializeResult:
    """A lake layer's materialization: ``fields`` of its run summary and ``figures``, then the time,
    rate (of ``rows``), per-partition offsets and table URI that bronze and silver both report."""
    return dg.MaterializeResult(
        asset_key=key,
        metadata={
            **{name: getattr(summary, name) for name in fields},
            **figures,
            "seconds": summary.seconds,
            "events_per_s": rate(rows, summary.seconds),
            "offsets": dg.MetadataValue.json({str(p): o for p, o in summary.offsets.items()}),
            "uri": dg.MetadataValue.path(lake_table_uri(settings, *table_of(key))),
        },
    )
