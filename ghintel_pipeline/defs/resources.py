"""Resources shared by every domain: ``kafka`` (where raw events are) and ``lake`` (where tables are).

Unset fields fall back to ``Settings`` (the environment) when a run or tick starts, not at import,
so the same code location serves the embedded broker and an external cluster, a local folder
and ``s3://`` (S3 credentials and endpoint come from the environment via ``Settings``).
"""

from __future__ import annotations

import dagster as dg
from pydantic import Field

from ghintel_pipeline.lib.settings import Settings, only_set


class KafkaResource(dg.ConfigurableResource):
    """The raw-events topic. Empty fields mean: take them from the environment (``Settings``)."""

    bootstrap_servers: str | None = Field(
        default=None, description="host:port list; empty = KAFKA_BOOTSTRAP_SERVERS or the embedded broker."
    )
    topic: str | None = Field(default=None, description="Raw events topic; empty = GHINTEL_TOPIC.")
    partitions: int | None = Field(default=None, description="Partitions; empty = GHINTEL_PARTITIONS.")


class LakeResource(dg.ConfigurableResource):
    """The lakehouse root: a folder or ``s3://bucket/prefix``; empty = GHINTEL_LAKE_ROOT or
    ``$GHINTEL_HOME/lakehouse``."""

    root: str | None = Field(default=None, description="Lake root folder or s3:// URI.")

    def settings(self, kafka: KafkaResource | None = None) -> Settings:
        """``Settings`` from the environment with this resource's (and ``kafka``'s) overrides applied:
        the lake library takes a ``Settings``."""
        update = only_set({"ghintel_lake_root": self.root})
        if kafka is not None:
            update |= only_set(
                {
                    "kafka_bootstrap_servers": kafka.bootstrap_servers,
                    "ghintel_topic": kafka.topic,
                    "ghintel_partitions": kafka.partitions,
                }
            )
        return Settings().model_copy(update=update)


defs = dg.Definitions(
    resources={"kafka": KafkaResource(), "lake": LakeResource()},
    # Default for every job, the UI's ad-hoc asset runs and backfills included: the multiprocess
    # executor starts one Python per step, each importing the code location again.
    executor=dg.in_process_executor,
)
