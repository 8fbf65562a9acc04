"""The real daemon: the sensor ticks, launches the ingest run, the run lands the data in silver."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from ghintel_pipeline.lib.dagster_instance import write_instance_config
from tests.conftest import REPO_ROOT
from tests.pipeline.conftest import produce, table_rows


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_daemon_sensor_launches_ingest_runs(ghintel_env, settings, bootstrap, topic, hour1_lines, tmp_path):
    home = write_instance_config(settings)
    env = {**os.environ, **ghintel_env, "DAGSTER_HOME": str(home), "GHINTEL_SENSOR_INTERVAL_S": "5"}
    produce(bootstrap, topic, hour1_lines[:100])
    log = open(tmp_path / "daemon.log", "wb")
    daemon = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-daemon"), "run", "-m", "tests.pipeline.location"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            runs = instance.get_runs(dg.RunsFilter(job_name="ingest_github_events_job"))
            assert not [r for r in runs if r.status == dg.DagsterRunStatus.FAILURE], "an ingest run failed"
            if any(r.status == dg.DagsterRunStatus.SUCCESS for r in runs):
                break
            time.sleep(2)
        else:
            pytest.fail(f"no ingest run landed; daemon log:\n{(tmp_path / 'daemon.log').read_text()[-4000:]}")
        assert table_rows(settings, "silver", "github_events") == 100
        (run,) = runs  # the sensor never piled up a second run while this one was in progress
        assert run.tags["dagster/run_key"].startswith("ingest-")
        assert run.tags["ghintel/lake-writer"] == "true" and run.tags["ghintel/trigger"] == "new records"
    finally:
        instance.dispose()
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        log.close()
