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
@pytest.mark.timeout(260)
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
        deadline = time.monotonic() + 200
        produced_more = False
        while time.monotonic() < deadline:
            runs = instance.get_runs(dg.RunsFilter(job_name="ingest_github_events_job"))
            done = [r for r in runs if r.status == dg.DagsterRunStatus.SUCCESS]
            if done and not produced_more:
                # New data after the first run: the sensor must plan a second run with a new key.
                produce(bootstrap, topic, hour1_lines[100:150])
                produced_more = True
            if len(done) >= 2 and table_rows(settings, "silver", "github_events") == 150:
                break
            assert not [r for r in runs if r.status == dg.DagsterRunStatus.FAILURE], "an ingest run failed"
            time.sleep(2)
        else:
            pytest.fail(
                f"no ingest runs landed; daemon log:\n{(tmp_path / 'daemon.log').read_text()[-4000:]}"
            )
        keys = [r.tags.get("dagster/run_key") for r in runs]
        assert len(set(keys)) == len(keys) and all(keys)
        assert all(r.tags.get("ghintel/lake-writer") == "true" for r in runs)
    finally:
        instance.dispose()
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        log.close()
