"""The code location loads with every asset, check, sensor, schedule and job, and keys match paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml

from ghintel_pipeline.definitions import build_definitions
from ghintel_pipeline.defs.keys import BRONZE_KEY, QUARANTINE_KEY, SILVER_KEY, table_of
from ghintel_pipeline.lib.dagster_instance import LAKE_WRITER_TAG, instance_config, write_instance_config
from ghintel_pipeline.lib.lake import lake_table_uri
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import REPO_ROOT

EXPECTED_ASSETS = {
    "sources/github_raw_events",
    "sources/gharchive_hourly",
    "bronze/github_events",
    "silver/github_events",
    "silver/github_events_quarantine",
}
EXPECTED_CHECKS = {
    "silver/github_events:silver_event_id_unique",
    "silver/github_events:silver_is_fresh",
    "silver/github_events:silver_no_future_created_at",
    "silver/github_events_quarantine:quarantine_share_below_threshold",
    "sources/gharchive_hourly:gharchive_event_ids_unique_in_silver",
}


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return build_definitions()


def test_everything_is_defined(defs):
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert EXPECTED_ASSETS <= keys
    graph = defs.resolve_asset_graph()
    assert EXPECTED_CHECKS <= {c.to_user_string() for c in graph.asset_check_keys}
    sensor = defs.resolve_sensor_def("kafka_github_events_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.minimum_interval_seconds == Settings().ghintel_sensor_interval_s
    schedule = defs.resolve_schedule_def("maintain_lake_schedule")
    assert schedule.job_name == "maintain_lake_job"
    backfill = defs.resolve_job_def("backfill_gharchive_job")
    assert backfill.partitions_def.get_first_partition_key() == "2011-02-12-00"
    assert set(defs.resources) >= {"kafka", "lake"}


def test_ingest_job_runs_bronze_silver_and_checks_but_not_the_backfill(defs):
    job = defs.resolve_job_def("ingest_github_events_job")
    selected = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert {"bronze/github_events", "silver/github_events", "silver/github_events_quarantine"} <= selected
    assert "sources/gharchive_hourly" not in selected
    silver_checks = {c for c in EXPECTED_CHECKS if not c.startswith("sources/")}
    assert silver_checks <= {c.to_user_string() for c in job.asset_layer.asset_graph.asset_check_keys}
    assert job.tags[LAKE_WRITER_TAG] == "true" and int(job.tags["dagster/max_retries"]) >= 1


def test_asset_keys_are_the_delta_paths(tmp_path):
    settings = Settings(ghintel_home=tmp_path, ghintel_lake_root=str(tmp_path / "lake"))
    for key in (BRONZE_KEY, SILVER_KEY, QUARANTINE_KEY):
        uri = lake_table_uri(settings, *table_of(key))
        assert Path(uri).relative_to(tmp_path / "lake").parts == tuple(key.path)


def test_writers_share_one_pool(defs):
    pools = {
        key.to_user_string(): defs.resolve_assets_def(key).op.pool
        for key in (BRONZE_KEY, SILVER_KEY, dg.AssetKey(["sources", "gharchive_hourly"]))
    }
    assert set(pools.values()) == {"ghintel_lake_writer"}


def test_a_gold_asset_joins_the_ingest_job_by_its_key(defs):
    @dg.asset(key=["gold", "fct_x"], deps=[["silver", "github_events"]])
    def fct_x() -> None: ...

    merged = dg.Definitions.merge(defs, dg.Definitions(assets=[fct_x]))
    job = merged.resolve_job_def("ingest_github_events_job")
    assert dg.AssetKey(["gold", "fct_x"]) in job.asset_layer.executable_asset_keys


def test_settings_shape_the_definitions_when_they_are_built(set_env):
    """Nothing reads the environment at import: the same modules give other definitions later."""
    set_env(
        {
            "GHINTEL_SENSOR_INTERVAL_S": "90",
            "GHINTEL_GHARCHIVE_START": "2015-01-01-00",
            "GHINTEL_REPORT_CRON": "7 * * * *",
            "GHINTEL_DIGEST_CRON": "0 6 * * *",
            "GHINTEL_MONITOR_INTERVAL_S": "120",
        }
    )
    built = build_definitions()
    assert built.resolve_sensor_def("kafka_github_events_sensor").minimum_interval_seconds == 90
    assert built.resolve_sensor_def("gold_anomalies_sensor").minimum_interval_seconds == 120
    first = built.resolve_job_def("backfill_gharchive_job").partitions_def.get_first_partition_key()
    assert first == "2015-01-01-00"
    assert built.resolve_schedule_def("anomaly_report_schedule").cron_schedule == "7 * * * *"
    assert built.resolve_schedule_def("agent_digest_schedule").cron_schedule == "0 6 * * *"


def test_no_settings_are_read_at_import():
    code = (
        "import pydantic_settings as ps, sys\n"
        "built = []\n"
        "init = ps.BaseSettings.__init__\n"
        "def counting(self, **kw):\n"
        "    built.append(type(self).__name__)\n"
        "    init(self, **kw)\n"
        "ps.BaseSettings.__init__ = counting\n"
        "import ghintel_pipeline.definitions\n"
        "import ghintel_pipeline.defs.inprocess\n"
        "print(built)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_instance_config_sqlite_by_default_postgres_by_env(tmp_path):
    home = write_instance_config(Settings(ghintel_home=tmp_path))
    assert home == tmp_path / "dagster"
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert "Sqlite" in type(instance.run_storage).__name__
        assert instance.get_settings("telemetry") == {"enabled": False}
        pools = instance.get_concurrency_config().pool_config
        assert pools.default_pool_limit == 1
    finally:
        instance.dispose()
    # Postgres: only the rendered config (writing it also opens the instance, which needs the DB).
    config = instance_config(
        Settings(ghintel_home=tmp_path / "pg", ghintel_dagster_pg_url="postgresql://u:secret@db/dagster")
    )
    assert config["storage"] == {"postgres": {"postgres_url": {"env": "GHINTEL_DAGSTER_PG_URL"}}}
    assert "secret" not in yaml.safe_dump(config)


@pytest.mark.slow
def test_workspace_yaml_loads_with_the_dagster_cli(tmp_path):
    env = {
        "DAGSTER_HOME": str(write_instance_config(Settings(ghintel_home=tmp_path))),
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT,
        env={**env, "GHINTEL_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_gold_dbt_resource_knows_its_dbt_version_without_a_subprocess(monkeypatch, tmp_path):
    import importlib.metadata

    from ghintel_pipeline.defs.gold_dbt.assets import GoldDbtResource, gold_dbt_project
    from ghintel_pipeline.lib.gold.project import dbt_executable

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"subprocess {args}")

    monkeypatch.setattr("dagster_dbt.core.resource.check_output", no_subprocess)
    resource = GoldDbtResource(project_dir=gold_dbt_project, dbt_executable=dbt_executable())
    assert str(resource._cli_version) == importlib.metadata.version("dbt-core")
    # Another dbt executable: its version is asked for, as dagster-dbt does.
    other = tmp_path / "dbt"
    other.symlink_to(dbt_executable())
    with pytest.raises(AssertionError, match="--version"):
        assert GoldDbtResource(project_dir=gold_dbt_project, dbt_executable=str(other))._cli_version
