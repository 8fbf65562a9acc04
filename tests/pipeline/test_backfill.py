"""gharchive_hourly partitions: repeatable, and loadable from the CLI with --dir."""

from __future__ import annotations

import json

import dagster as dg
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable
from typer.testing import CliRunner

from ghintel_pipeline.cli.main import app
from ghintel_pipeline.defs.inprocess import hour_range
from ghintel_pipeline.defs.sources.assets import build_gharchive_hourly, gharchive_hour, hourly_partitions
from ghintel_pipeline.defs.sources.checks import gharchive_event_ids_unique_in_silver
from ghintel_pipeline.lib.lake import lake_table_uri
from tests.conftest import GHARCHIVE_DIR, HOUR_1


def snapshot(settings, layer: str, table: str, key: str):
    data = DeltaTable(lake_table_uri(settings, layer, table)).to_pyarrow_table()
    data = data.drop_columns([c for c in ("ingested_at", "ingest_date") if c in data.column_names])
    return data.sort_by(key)


def test_partition_keys_map_to_gharchive_hours():
    assert gharchive_hour("2015-01-01-01") == "2015-01-01-1"
    assert hour_range("2015-01-01-1", "2015-01-01-01") == ["2015-01-01-01"]
    assert hour_range("2015-01-01-9", "2015-01-01-10") == ["2015-01-01-09", "2015-01-01-10"]


def test_partition_twice_gives_identical_tables(instance, resources, settings, hour1_lines):
    run_config = {"ops": {"sources__gharchive_hourly": {"config": {"dir": str(GHARCHIVE_DIR)}}}}
    kwargs = dict(
        resources={"lake": resources["lake"]},
        instance=instance,
        partition_key="2015-01-01-01",
        run_config=run_config,
    )
    gharchive_hourly = build_gharchive_hourly(hourly_partitions(settings))
    first = dg.materialize([gharchive_hourly, gharchive_event_ids_unique_in_silver], **kwargs)
    meta = {
        k: v.value
        for k, v in first.asset_materializations_for_node("sources__gharchive_hourly")[0].metadata.items()
    }
    assert meta["lines"] == len(hour1_lines) and meta["hour"] == "2015-01-01-1"
    bronze = snapshot(settings, "bronze", "github_events", "line_number")
    silver = snapshot(settings, "silver", "github_events", "event_id")
    assert silver.num_rows == len(pc.unique(silver.column("event_id"))) > 0

    second = dg.materialize([gharchive_hourly, gharchive_event_ids_unique_in_silver], **kwargs)
    (checked,) = first.get_asset_check_evaluations()
    assert checked.passed and checked.metadata["scope"].value == "event_date in ['2015-01-01']"
    assert checked.metadata["rows_checked"].value == silver.num_rows
    # The second load inserted nothing, so there is nothing new to scan.
    assert second.get_asset_check_evaluations()[0].passed
    assert snapshot(settings, "bronze", "github_events", "line_number").equals(bronze)
    assert snapshot(settings, "silver", "github_events", "event_id").equals(silver)


@pytest.mark.parametrize("workers", [1, 2])
def test_cli_backfill_runs_the_partitions(ghintel_env, lake_only_location, settings, hour1_lines, workers):
    """One run per hour with --workers 1; one run over the range, hours in two processes, with 2."""
    runner = CliRunner()
    args = [
        "backfill",
        "gharchive",
        "--from",
        "2015-01-01-0",
        "--to",
        "2015-01-01-1",
        "--dir",
        str(HOUR_1.parent),
        "--workers",
        str(workers),
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["loaded"] == 2 and summary["failed"] == []
    assert [h["hour"] for h in summary["per_hour"]] == ["2015-01-01-0", "2015-01-01-1"]
    assert summary["per_hour"][1]["lines"] == len(hour1_lines)
    silver_rows = DeltaTable(lake_table_uri(settings, "silver", "github_events")).count()
    assert silver_rows == summary["silver_written"]
    assert summary["checks_failed"] == []
    assert summary["gold"] is None  # this location has no gold assets to rebuild
    # The runs are in the persistent instance, where the sensor looks for landed backfills.
    instance = dg.DagsterInstance.from_config(str(settings.home / "dagster"))
    try:
        assert instance.get_latest_materialization_event(dg.AssetKey(["sources", "gharchive_hourly"]))
        assert len(instance.get_runs()) == (2 if workers == 1 else 1)
    finally:
        instance.dispose()
    bad = runner.invoke(app, ["backfill", "gharchive", "--from", "2015-01-01-2", "--to", "2015-01-01-1"])
    assert bad.exit_code != 0
