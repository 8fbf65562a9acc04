"""The lakehouse: Kafka -> bronze (exactly once per offset) -> silver (contract, dedup by event_id).

Business logic for the Dagster code location and the CLI; see docs/lakehouse.md.
"""

from ghintel_pipeline.lib.lake.backfill import backfill_gharchive_hour, backfill_lines, iter_lines
from ghintel_pipeline.lib.lake.bronze import BronzeSummary, drain_kafka_to_bronze
from ghintel_pipeline.lib.lake.ingest import IngestSummary, replay_kafka_range, run_ingest
from ghintel_pipeline.lib.lake.maintenance import maintain_tables
from ghintel_pipeline.lib.lake.offsets import (
    BrokerResetError,
    IngestPlan,
    PartitionPlan,
    accept_broker_reset,
    bronze_app_id,
    plan_ingest,
    quarantine_app_id,
    rebase_after_own_broker_start,
    silver_app_id,
)
from ghintel_pipeline.lib.lake.silver import SilverSummary, promote_bronze_to_silver
from ghintel_pipeline.lib.lake.storage import (
    BRONZE_SCHEMA,
    QUARANTINE_SCHEMA,
    lake_table_uri,
    open_table,
    silver_schema,
    storage_options,
)

__all__ = [
    "BRONZE_SCHEMA",
    "QUARANTINE_SCHEMA",
    "BronzeSummary",
    "BrokerResetError",
    "IngestPlan",
    "IngestSummary",
    "PartitionPlan",
    "SilverSummary",
    "accept_broker_reset",
    "rebase_after_own_broker_start",
    "backfill_gharchive_hour",
    "backfill_lines",
    "bronze_app_id",
    "drain_kafka_to_bronze",
    "iter_lines",
    "lake_table_uri",
    "maintain_tables",
    "open_table",
    "plan_ingest",
    "promote_bronze_to_silver",
    "quarantine_app_id",
    "replay_kafka_range",
    "run_ingest",
    "silver_app_id",
    "silver_schema",
    "storage_options",
]
