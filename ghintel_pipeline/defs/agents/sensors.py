"""``gold_anomalies_sensor``: new rows in gold/anomalies -> a run of the anomaly investigator."""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from ghintel_pipeline.defs.agents.assets import INVESTIGATIONS_KEY, anomaly_investigations
from ghintel_pipeline.defs.resources import LakeResource
from ghintel_pipeline.lib.settings import Settings

investigate_anomalies_job = dg.define_asset_job(
    "investigate_anomalies_job",
    selection=[INVESTIGATIONS_KEY],
    description="Run the anomaly-investigator on the anomaly ids in the run config.",
)


def plan_investigations(
    current: list[str], done: set[str], cursor: str | None, limit: int
) -> tuple[list[str], str]:
    """Ids neither investigated (in gold) nor already requested (cursor); the new cursor.

    The cursor holds requested ids so a run still in flight is not requested twice; it keeps only
    ids still in gold/anomalies and not yet investigated. A failed run's ids therefore stay
    requested: re-run it from the UI (or reset the cursor) rather than have every tick retry them.
    """
    requested = set(json.loads(cursor)["requested"]) if cursor else set()
    new = [i for i in current if i not in done and i not in requested][:limit]
    keep = sorted((requested | set(new)) & set(current) - done)
    return new, json.dumps({"requested": keep})


def build_sensor(settings: Settings) -> dg.SensorDefinition:
    @dg.sensor(
        name="gold_anomalies_sensor",
        job=investigate_anomalies_job,
        minimum_interval_seconds=settings.ghintel_monitor_interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Watches gold/anomalies; each new anomaly gets an investigation run.",
    )
    def gold_anomalies_sensor(context: dg.SensorEvaluationContext, lake: LakeResource):
        from ghintel_agents.monitor import current_anomalies, investigated_ids

        lake_settings = lake.settings()
        version, current = current_anomalies(lake_settings)
        new, cursor = plan_investigations(
            current,
            investigated_ids(lake_settings),
            context.cursor,
            lake_settings.ghintel_monitor_max_per_run,
        )
        context.update_cursor(cursor)
        if not new:
            return dg.SkipReason(f"no new anomalies (gold/anomalies version {version})")
        key = hashlib.sha1("\n".join(new).encode()).hexdigest()[:16]
        config = {"ops": {anomaly_investigations.op.name: {"config": {"anomaly_ids": new}}}}
        return dg.RunRequest(
            run_key=f"investigate-{key}", run_config=config, tags={"anomalies": str(len(new))}
        )

    return gold_anomalies_sensor
