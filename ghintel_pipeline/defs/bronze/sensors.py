"""``kafka_github_events_sensor``: plans ingest runs; never reads or commits Kafka records.

A tick asks Kafka for metadata only (``plan_ingest``: offsets, no fetches), so it stays far below
the 60 s sensor timeout, and the run does the reading. Three rules keep ingestion moving:

- run keys are never reused: the key is the plan's fingerprint plus a counter that skips every key
  already present in the instance, whatever that run's outcome. Dagster never launches a key twice,
  so a key made from offsets alone would stall ingestion forever after one failed run;
- no pile-up: while a run of the ingest job is queued or in progress the tick skips;
- loud on a broker reset: the tick logs an error and skips with a reason saying what to do.

A finished GH Archive backfill also triggers one ingest run, so gold catches up with the hours it
loaded (the backfill writes bronze and silver itself).
"""

import json
from dataclasses import asdict, dataclass

import dagster as dg

from ghintel_pipeline.defs.jobs import INGEST_JOB_NAME, ingest_github_events_job
from ghintel_pipeline.defs.keys import GHARCHIVE_KEY
from ghintel_pipeline.defs.resources import KafkaResource, LakeResource
from ghintel_pipeline.defs.run_health import IN_PROGRESS, reap_dead_cli_runs
from ghintel_pipeline.lib.lake import plan_ingest
from ghintel_pipeline.lib.settings import Settings

RUN_KEY_TAG = "dagster/run_key"
PLAN_TAG = "ghintel/plan-fingerprint"


@dataclass
class IngestCursor:
    fingerprint: str | None = None
    backfill_storage_id: int = 0
    run_key: str | None = None

    @classmethod
    def parse(cls, raw: str | None) -> "IngestCursor":
        if not raw:
            return cls()
        try:
            return cls(**json.loads(raw))
        except (TypeError, ValueError):
            return cls()  # an unreadable cursor only costs one extra (idempotent) run

    def dump(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def active_ingest_run(instance: dg.DagsterInstance) -> dg.DagsterRun | None:
    runs = instance.get_runs(dg.RunsFilter(job_name=INGEST_JOB_NAME, statuses=IN_PROGRESS), limit=1)
    return runs[0] if runs else None


def latest_backfill_storage_id(instance: dg.DagsterInstance) -> int:
    records = instance.fetch_materializations(GHARCHIVE_KEY, limit=1).records
    return records[0].storage_id if records else 0


def fresh_run_key(instance: dg.DagsterInstance, base: str) -> str:
    """``base-N`` with the smallest N no run of this instance carries (failed runs included)."""
    n = 0
    while instance.get_runs_count(dg.RunsFilter(tags={RUN_KEY_TAG: f"{base}-{n}"})):
        n += 1
    return f"{base}-{n}"


def build_kafka_sensor(settings: Settings) -> dg.SensorDefinition:
    """The sensor, ticking at most every ``GHINTEL_SENSOR_INTERVAL_S`` (read when the location loads)."""
    return dg.sensor(
        name="kafka_github_events_sensor",
        job=ingest_github_events_job,
        minimum_interval_seconds=settings.ghintel_sensor_interval_s,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Plans an ingest run when the raw-events topic has records bronze has not stored.",
    )(plan_ingest_run)


def plan_ingest_run(
    context: dg.SensorEvaluationContext, kafka: KafkaResource, lake: LakeResource
) -> dg.SensorResult | dg.SkipReason:
    """One tick: skip, or request an ingest run with a key no run of the instance has used."""
    cursor = IngestCursor.parse(context.cursor)
    for run_id in reap_dead_cli_runs(context.instance):
        context.log.warning(f"marked CLI run {run_id} failed: its process is gone")
    active = active_ingest_run(context.instance)
    if active is not None:
        return dg.SkipReason(
            f"run {active.run_id[:8]} of {INGEST_JOB_NAME} is {active.status.value}; waiting"
        )

    plan = plan_ingest(lake.settings(kafka))
    if plan.broker_reset_suspected:
        message = (
            f"BROKER RESET SUSPECTED on topic {plan.topic}: {plan.reason}. Ingestion is paused: "
            "check the broker, then run `ghintel lake accept-broker-reset` (silver dedups re-read events)."
        )
        context.log.error(message)
        return dg.SkipReason(message)

    backfill_id = latest_backfill_storage_id(context.instance)
    backfill_landed = backfill_id > cursor.backfill_storage_id
    if not plan.has_new_data and not backfill_landed:
        return dg.SkipReason(f"{plan.reason}: lag {plan.lag} on {len(plan.partitions)} partitions")

    run_key = fresh_run_key(context.instance, f"ingest-{plan.fingerprint}-{backfill_id}")
    why = "new records" if plan.has_new_data else "GH Archive backfill landed"
    context.log.info(f"requesting {run_key}: {why}, lag {plan.lag}")
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=run_key,
                tags={PLAN_TAG: plan.fingerprint, "ghintel/lag": str(plan.lag), "ghintel/trigger": why},
            )
        ],
        cursor=IngestCursor(plan.fingerprint, backfill_id, run_key).dump(),
    )
