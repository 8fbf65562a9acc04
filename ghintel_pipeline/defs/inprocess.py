"""Run the code location's jobs in this process (``ghintel ingest`` / ``ghintel backfill``).

The CLI executes the very jobs the sensor and the UI launch, with the same selection, resources
and checks, against the persistent instance under ``$GHINTEL_HOME/dagster`` so the runs appear in
the UI's history and the sensor sees the backfilled partitions.
"""

import time
from collections.abc import Callable, Iterator
from functools import lru_cache, partial

import dagster as dg

from ghintel_pipeline.defs.jobs import INGEST_JOB_NAME
from ghintel_pipeline.defs.keys import BRONZE_KEY, QUARANTINE_KEY, SILVER_KEY
from ghintel_pipeline.defs.resources import KafkaResource, LakeResource
from ghintel_pipeline.defs.run_health import cli_run_tags, reap_dead_cli_runs
from ghintel_pipeline.defs.sources.assets import (
    PARTITION_FMT,
    gharchive_hour,
    hourly_partitions,
)
from ghintel_pipeline.lib.dagster_instance import write_instance_config
from ghintel_pipeline.lib.gharchive import hours as gharchive_hours
from ghintel_pipeline.lib.lake import plan_ingest
from ghintel_pipeline.lib.settings import Settings


@lru_cache(maxsize=1)
def load_definitions() -> dg.Definitions:
    """The code location, built once per process (a backfill resolves it for its hours and for gold)."""
    from ghintel_pipeline.definitions import build_definitions

    return build_definitions()


def persistent_instance(settings: Settings) -> dg.DagsterInstance:
    """The instance under ``$GHINTEL_HOME/dagster``, cleared of runs left by killed CLI processes."""
    instance = dg.DagsterInstance.from_config(str(write_instance_config(settings)))
    reap_dead_cli_runs(instance)
    return instance


def materializations(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    """{asset key path: {metadata label: plain value}} of a run's materializations."""
    found: dict[str, dict] = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        found[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
    return found


def check_results(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {
        f"{ev.asset_key.to_user_string()}:{ev.check_name}": ev.passed
        for ev in (
            e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
        )
    }


def ingest_until_caught_up(
    settings: Settings,
    *,
    instance: dg.DagsterInstance,
    max_runs: int = 5,
    on_run: Callable[[int, dict], None] | None = None,
) -> dict:
    """Execute ``ingest_github_events_job`` until the plan shows no new data (or ``max_runs``)."""
    job = load_definitions().resolve_job_def(INGEST_JOB_NAME)
    resources = {"kafka": KafkaResource(), "lake": LakeResource()}
    totals = {
        "runs": 0,
        "rows_read": 0,
        "bronze_written": 0,
        "silver_written": 0,
        "quarantined": 0,
        "duplicates": 0,
        "offsets": {},
        "checks": {},
        "failed": [],
        "lag_after": None,
        "seconds": 0.0,
    }
    started = time.monotonic()
    for _ in range(max_runs):
        result = job.execute_in_process(
            instance=instance, resources=resources, raise_on_error=False, tags=cli_run_tags()
        )
        totals["runs"] += 1
        mats = materializations(result)
        bronze = mats.get(BRONZE_KEY.to_user_string(), {})
        silver = mats.get(SILVER_KEY.to_user_string(), {})
        totals["rows_read"] += bronze.get("rows_read", 0)
        totals["bronze_written"] += bronze.get("rows_written", 0)
        totals["silver_written"] += silver.get("rows_written", 0)
        totals["duplicates"] += silver.get("duplicates", 0)
        totals["quarantined"] += mats.get(QUARANTINE_KEY.to_user_string(), {}).get("rows_written", 0)
        for partition, span in (bronze.get("offsets") or {}).items():
            merged = totals["offsets"].setdefault(partition, dict(span))
            merged["first"] = min(merged.get("first", span.get("first")), span.get("first"))
            merged["last"] = max(merged.get("last", span.get("last")), span.get("last"))
        totals["checks"].update(check_results(result))
        if on_run:
            on_run(totals["runs"], mats)
        if not result.success:
            totals["failed"] = [
                f"{e.step_key}: {e.event_specific_data.error.message.strip()}"
                for e in result.all_events
                if e.event_type_value == "STEP_FAILURE"
            ] or [f"run {result.run_id} failed"]
            break
        plan = plan_ingest(settings)
        totals["lag_after"] = plan.lag
        if not plan.has_new_data:
            break
    totals["seconds"] = round(time.monotonic() - started, 3)
    totals["success"] = not totals["failed"]
    return totals


def hour_range(first: str, last: str) -> list[str]:
    """Partition keys from ``first`` to ``last`` inclusive (hours as ``YYYY-MM-DD-H``)."""
    keys = [f"{hour:{PARTITION_FMT}}" for hour in gharchive_hours.hour_range(first, last)]
    partitions_def = hourly_partitions(Settings())
    for key in (keys[0], keys[-1]):
        if not partitions_def.has_partition_key(key):
            raise ValueError(f"hour {key} is not a partition: before GHINTEL_GHARCHIVE_START or not yet over")
    return keys


def backfill_hours(
    partition_keys: list[str],
    *,
    instance: dg.DagsterInstance,
    run_config: dict,
    workers: int = 1,
) -> Iterator[tuple[str, dg.ExecuteInProcessResult, dict]]:
    """Materialize the ``gharchive_hourly`` partitions; yields (hour, result, metadata) per hour.
    One run per hour with ``workers=1``; else one run over the range, its hours loaded in
    ``workers`` processes (a failed hour fails that run: every hour is reported failed)."""
    from ghintel_pipeline.definitions import lake_definitions

    job = lake_definitions(Settings()).resolve_job_def("backfill_gharchive_job")
    run = partial(
        job.execute_in_process,
        instance=instance,
        resources={"lake": LakeResource()},
        raise_on_error=False,
    )
    if workers > 1 and len(partition_keys) > 1:
        config = run_config["ops"]["sources__gharchive_hourly"]["config"]
        range_config = {"ops": {"sources__gharchive_hourly": {"config": {**config, "workers": workers}}}}
        range_tags = {  # Dagster's tags of a run over a partition range
            "dagster/asset_partition_range_start": partition_keys[0],
            "dagster/asset_partition_range_end": partition_keys[-1],
        }
        result = run(run_config=range_config, tags={**cli_run_tags(), **range_tags})
        meta = next(iter(materializations(result).values()), {})
        checks = check_results(result)
        per_hour = {m["hour"]: m for m in meta.get("per_hour") or []}
        for key in partition_keys:
            hour = gharchive_hour(key)
            yield hour, result, {**per_hour.get(hour, {}), "checks": checks}
        return
    for key in partition_keys:
        result = run(partition_key=key, run_config=run_config, tags=cli_run_tags())
        meta = next(iter(materializations(result).values()), {})
        yield gharchive_hour(key), result, {**meta, "checks": check_results(result)}


def refresh_gold(instance: dg.DagsterInstance) -> dict | None:
    """Materialize the gold assets (if any) after a backfill; Kafka is not needed for that."""
    defs = load_definitions()
    job = defs.resolve_job_def(INGEST_JOB_NAME)
    gold = [
        key
        for key in job.asset_layer.executable_asset_keys
        if key.path[0] == "gold" or defs.resolve_assets_def(key).group_names_by_key.get(key) == "gold"
    ]
    if not gold:
        return None
    result = job.execute_in_process(
        instance=instance, asset_selection=gold, raise_on_error=False, tags=cli_run_tags()
    )
    return {"success": result.success, "assets": len(gold), "checks": check_results(result)}
