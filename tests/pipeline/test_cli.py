"""`ghintel ingest`, `replay` and `lake plan` on the real broker and a tmp lake."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest
from typer.testing import CliRunner

from ghintel_pipeline.cli.main import app
from tests.pipeline.conftest import produce, table_rows


def run_json(args: list[str]) -> dict:
    result = CliRunner().invoke(app, [*args, "--json"] if args[0] != "lake" else args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.slow
def test_ingest_then_replay(ghintel_env, lake_only_location, settings, bootstrap, topic, hour1_lines):
    lines = hour1_lines[:500]
    produce(bootstrap, topic, lines + lines[:20])
    summary = run_json(["ingest"])
    assert summary["success"] and summary["runs"] >= 1
    assert summary["rows_read"] == summary["bronze_written"] == 520
    assert summary["silver_written"] == 500 and summary["duplicates"] == 20 and summary["quarantined"] == 0
    assert summary["lag_after"] == 0
    assert sum(o["last"] - o["first"] + 1 for o in summary["offsets"].values()) == 520
    assert summary["checks"] and all(summary["checks"].values())

    # The run is recorded in the persistent instance the UI reads.
    instance = dg.DagsterInstance.from_config(str(settings.home / "dagster"))
    try:
        assert instance.get_runs(dg.RunsFilter(job_name="ingest_github_events_job"))
    finally:
        instance.dispose()

    plan = run_json(["lake", "plan"])
    assert plan["has_new_data"] is False and plan["lag"] == 0

    replayed = run_json(["replay", "--from-offset", "0"])
    assert replayed["silver_written"] == 0 and replayed["duplicates"] == 520
    assert table_rows(settings, "silver", "github_events") == 500
    since = run_json(["replay", "--since", "2000-01-01T00:00:00"])
    assert set(since["from_offsets"].values()) == {0} and since["duplicates"] == 520
    assert table_rows(settings, "bronze", "github_events") == 520

    again = run_json(["ingest"])
    assert again["bronze_written"] == 0 and again["silver_written"] == 0


def test_replay_needs_exactly_one_start(ghintel_env):
    result = CliRunner().invoke(app, ["replay"])
    assert result.exit_code != 0


def test_dagster_command_uses_the_workspace_and_settings(ghintel_env, settings):
    from ghintel_pipeline.cli.lake import dagster_command
    from tests.conftest import REPO_ROOT

    dev = dagster_command("dev", settings)
    assert dev[1:4] == ["dev", "-w", str(REPO_ROOT / "workspace.yaml")]
    assert dev[-4:] == ["-h", settings.ghintel_host, "-p", str(settings.ghintel_dagster_port)]
    assert dagster_command("daemon", settings)[1] == "run"
    assert dagster_command("webserver", settings, port=3999)[-1] == "3999"
    assert all(Path(argv[0]).exists() for argv in (dev, dagster_command("daemon", settings)))
