"""The Dagster instance of ghintel: ``$GHINTEL_HOME/dagster/dagster.yaml``.

Without ``DAGSTER_HOME`` Dagster keeps runs, sensor cursors and schedules in a temp dir that
vanishes, so every command that starts Dagster writes this config first and exports
``DAGSTER_HOME``. Run storage is sqlite under that folder, or Postgres when
``GHINTEL_DAGSTER_PG_URL`` is set (the URL is referenced through the environment, never written).
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from ghintel_pipeline.lib.settings import Settings

# Tag carried by every run that writes bronze/silver; the run queue admits one such run at a time.
LAKE_WRITER_TAG = "ghintel/lake-writer"
# Op-level pool on every asset that commits to a lake table (see defs/resources.py).
LAKE_WRITER_POOL = "ghintel_lake_writer"


def dagster_home(settings: Settings) -> Path:
    return settings.home / "dagster"


def instance_config(settings: Settings) -> dict:
    home = dagster_home(settings)
    if settings.ghintel_dagster_pg_url:
        storage: dict = {"postgres": {"postgres_url": {"env": "GHINTEL_DAGSTER_PG_URL"}}}
    else:
        storage = {"sqlite": {"base_dir": str(home / "storage")}}
    return {
        "telemetry": {"enabled": False},
        "nux": {"enabled": False},
        "storage": storage,
        "local_artifact_storage": {
            "module": "dagster._core.storage.root",
            "class": "LocalArtifactStorage",
            "config": {"base_dir": str(home)},
        },
        "concurrency": {
            # Only our lake-writer pool exists in this code location; a limit of 1 serializes the
            # steps that commit to bronze/silver even when runs overlap.
            "pools": {"default_limit": 1, "granularity": "op"},
            # Whole runs that write the lake queue behind each other (on 2 cores a backfill of many
            # hours must not start a process per hour that then just waits for the pool).
            "runs": {
                "max_concurrent_runs": 4,
                "tag_concurrency_limits": [{"key": LAKE_WRITER_TAG, "limit": 1}],
            },
        },
        # The daemon looks at the run queue every second instead of every 5 s: a sensor-requested
        # ingest run otherwise waits ~5 s in the queue (`ghintel bench freshness`, docs/operations.md).
        "run_queue": {"dequeue_interval_seconds": 1},
        # A run whose process died stays STARTED and keeps its pool slot: the lake jobs carry
        # `dagster/max_runtime`, after which the daemon fails the run; its slot is freed a minute
        # after any run ended. (The default run launcher has no worker health check.)
        "run_monitoring": {
            "enabled": True,
            "start_timeout_seconds": 300,
            "cancel_timeout_seconds": 300,
            "poll_interval_seconds": 30,
            "free_slots_after_run_end_seconds": 60,
        },
        # Runs carry `dagster/max_retries`; the daemon re-launches failed ones from the failure.
        "run_retries": {"enabled": True, "max_retries": 0, "retry_on_asset_or_op_failure": True},
        # The ingest sensor skips most minutes: keep skipped ticks for a day, failures for a month.
        "retention": {
            "sensor": {"purge_after_days": {"skipped": 1, "failure": 30, "success": -1}},
            "schedule": {"purge_after_days": {"skipped": 7, "failure": 30, "success": -1}},
        },
    }


def write_instance_config(settings: Settings) -> Path:
    """Write ``dagster.yaml`` (only when its content changed), create the storage schema the first
    time, and return the ``DAGSTER_HOME`` folder.

    Creating the schema here, before any Dagster process opens the instance, matters: a webserver
    and a daemon started together would otherwise race creating the same sqlite tables
    (``table alembic_version already exists``)."""
    home = dagster_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    text = "# Written by ghintel; edits are overwritten on the next start.\n" + yaml.safe_dump(
        instance_config(settings), sort_keys=False
    )
    changed = not path.exists() or path.read_text() != text
    if changed:
        tmp = path.with_suffix(".yaml.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    marker = home / ".schema-ready"
    # Postgres (docker-compose) may not be reachable yet from here; its services migrate it themselves.
    if not settings.ghintel_dagster_pg_url and (changed or not marker.exists()):
        from dagster import DagsterInstance

        DagsterInstance.from_config(str(home)).dispose()
        marker.write_text(text)
    return home


def dagster_env(settings: Settings) -> dict[str, str]:
    """Environment for a Dagster process (webserver, daemon, code server) of this installation."""
    env = dict(os.environ)
    env["DAGSTER_HOME"] = str(write_instance_config(settings))
    env["GHINTEL_HOME"] = str(settings.home)
    return env
