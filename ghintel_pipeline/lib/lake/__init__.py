"""The lakehouse: Kafka -> bronze (exactly once per offset) -> silver (contract, dedup by event_id).

Business logic for the Dagster code location and the CLI; see docs/lakehouse.md."""

from ghintel_pipeline.lib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(
    __name__,
    {
        "backfill": ["backfill_gharchive_hour", "backfill_lines"],
        "backfill_hours": ["backfill_gharchive_hours"],
        "bronze": ["BronzeSummary", "drain_kafka_to_bronze"],
        "ingest": ["IngestSummary", "replay_kafka_range", "run_ingest"],
        "maintenance": ["maintain_tables"],
        "offsets": [
            "BrokerResetError",
            "IngestPlan",
            "PartitionPlan",
            "accept_broker_reset",
            "bronze_app_id",
            "plan_ingest",
            "quarantine_app_id",
            "rebase_after_own_broker_start",
            "silver_app_id",
        ],
        "silver": ["SilverSummary", "promote_bronze_to_silver"],
        "storage": [
            "BRONZE_SCHEMA",
            "QUARANTINE_SCHEMA",
            "lake_table_uri",
            "open_table",
            "silver_schema",
            "storage_options",
        ],
    },
)
