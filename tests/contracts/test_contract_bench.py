"""`ghintel bench validate` prints figures and baselines (it measures; it does not assert speed)."""

from __future__ import annotations

import gzip
import json

import pytest
from typer.testing import CliRunner

from benchmarks.contracts import default_bench_files, run_validation_bench
from ghintel_pipeline.cli.main import app
from tests.conftest import HOUR_0, HOUR_1, HOUR_15


def _small_file(tmp_path, n=300):
    with gzip.open(HOUR_1, "rb") as handle:
        lines = [next(handle) for _ in range(n)]
    path = tmp_path / "sample.json"
    path.write_bytes(b"".join(lines) + b"not json\n")
    return path


def test_default_files_are_the_shared_2015_hours():
    assert default_bench_files() == sorted([HOUR_0, HOUR_1, HOUR_15])


def test_run_validation_bench_reports_every_figure(tmp_path):
    result = run_validation_bench([_small_file(tmp_path)], repeat=1, duckdb=True)
    assert (result["events"], result["valid"], result["quarantined"]) == (301, 300, 1)
    assert result["events_to_arrow"]["rows"] == 300
    keys = (
        "validate_batch",
        "events_to_arrow",
        "validate_plus_arrow",
        "validate_to_arrow",
        "baseline_orjson_loads",
    )
    for key in keys:
        assert result[key]["seconds"] > 0 and result[key]["events_per_s"] > 0
    duck = result["baseline_duckdb_read_json"]
    # DuckDB may refuse the broken line; either way the outcome is reported, never raised.
    assert ("seconds" in duck) or ("error" in duck)


@pytest.mark.slow  # runs the benchmark command end to end
def test_cli_prints_figures(tmp_path):
    path = _small_file(tmp_path)
    runner = CliRunner()
    as_json = runner.invoke(app, ["bench", "validate", str(path), "--repeat", "1", "--no-duckdb", "--json"])
    assert as_json.exit_code == 0, as_json.output
    figures = json.loads(as_json.output)
    assert figures["events"] == 301 and figures["validate_batch"]["events_per_s"] > 0
    table = runner.invoke(app, ["bench", "validate", str(path), "--repeat", "1", "--no-duckdb"])
    assert table.exit_code == 0, table.output
    assert "validate_batch" in table.output and "baseline: orjson.loads" in table.output
    assert "events/s" in table.output
