"""``ghintel tail``: the subscriber example, against the real broker after a real ingest."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from typer.testing import CliRunner

from ghintel_pipeline.cli.main import app
from ghintel_pipeline.lib.lake import run_ingest
from tests.conftest import HOUR_0
from tests.lake.conftest import file_lines, produce, table_rows

pytestmark = pytest.mark.broker


@pytest.mark.slow
def test_tail_filters_the_clean_topic(lake_settings, bootstrap, topic):
    produce(bootstrap, topic, file_lines(HOUR_0)[:1500], hour="2015-01-01-0")
    run_ingest(lake_settings)
    silver = table_rows(lake_settings, ("silver", "github_events"), ["event_id", "repo_name", "event_type"])
    repo, _ = Counter(silver.column("repo_name").to_pylist()).most_common(1)[0]
    expected = sorted(r["event_id"] for r in silver.to_pylist() if r["repo_name"] == repo)
    runner = CliRunner()
    args = ["tail", "clean", "--from-beginning", "--idle-exit", "2"]
    out = runner.invoke(app, [*args, "--json", "--repo", repo.upper()])
    assert out.exit_code == 0, out.output
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert sorted(e["event_id"] for e in lines) == expected and {e["repo_name"] for e in lines} == {repo}

    table = runner.invoke(app, [*args, "--type", "WatchEvent", "--max", "3"])
    assert table.exit_code == 0, table.output
    rows = [line for line in table.stdout.splitlines() if "WatchEvent" in line]
    assert len(rows) == 3 and "repo_name" in table.stdout.splitlines()[0]


@pytest.mark.slow
def test_tail_of_a_missing_topic_is_a_clear_error(lake_settings, monkeypatch):
    monkeypatch.setenv("GHINTEL_ANOMALIES_TOPIC", "no_such_topic_here")
    out = CliRunner().invoke(app, ["tail", "anomalies", "--idle-exit", "1"])
    assert out.exit_code == 1 and "does not exist" in out.output
