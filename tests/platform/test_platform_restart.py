"""Day two, as a user: `make up`, produce an hour, `ghintel down` before any sensor tick, `make up`
again, produce more, Ctrl-C: every event arrives exactly once, without a manual step.

`make up` runs in its own session, so that a signal to its process group is what a terminal's
Ctrl-C is (make, uv and the supervisor all receive it). The Dagster daemon is not started: no
sensor ever ticks, so only the drain on stop can have moved the data into the lake.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ghintel_api.main import create_app
from ghintel_pipeline.lib.lake.storage import BRONZE
from ghintel_pipeline.lib.platform.state import read_state
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import HOUR_1, LEGACY_2012, REPO_ROOT
from tests.lake.conftest import event_id, file_lines, silver_ids, table_rows
from tests.platform.test_platform_lifecycle import ghintel, platform_env, wait_for  # noqa: F401

pytestmark = pytest.mark.slow


def make_up(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        ["make", "-s", "up"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def producer_done(home: Path, supervisor_pid: int | None = None):
    state = read_state(home)
    if state is None or (supervisor_pid is not None and state.supervisor_pid == supervisor_pid):
        return None
    child = state.children.get("producer")
    return state if child is not None and child.state == "exited" and state.phase == "running" else None


def test_down_drains_up_rebases_and_ctrl_c_stops_gracefully_then_kills(platform_env):  # noqa: F811
    env, home = dict(platform_env), Path(platform_env["GHINTEL_HOME"])
    env.update(GHINTEL_HEALTH_MAX_LAG="1000", GHINTEL_HEALTH_INTERVAL_S="2", GHINTEL_STOP_TIMEOUT_S="5")
    hour1 = file_lines(HOUR_1)

    # 1. First day: produce an hour, then `ghintel down` before anything ingested it.
    proc = make_up({**env, "GHINTEL_SOURCE": f"gharchive:{HOUR_1}"})
    first = wait_for(lambda: producer_done(home), 240, "the first producer")
    api = first.children["api"].url
    health = wait_for(lambda: _health(api), 60, "/health with a lag figure")
    assert health["status"] == "empty" and health["kafka_lag"] == len(hour1)  # true lag, not a batch base
    assert [r["code"] for r in health["reasons"]] == ["lagging"]  # an empty lake is "empty", no "tables"
    down = ghintel(env, "down", "--json", timeout=600)
    assert down.returncode == 0, down.stderr
    drained = json.loads(down.stdout)["drain"]
    assert drained["success"] and drained["bronze_written"] == len(hour1), drained
    out, _ = proc.communicate(timeout=60)
    assert "health: DEGRADED -- lagging" in out and "drained in" in out, out
    settings = Settings()
    assert sorted(silver_ids(settings)) == sorted(event_id(line) for line in hour1)

    # 2. Second day: a fresh (empty) broker; offsets re-base on their own; the finished hour is skipped.
    proc = make_up({**env, "GHINTEL_SOURCE": f"gharchive:{HOUR_1},{LEGACY_2012}"})
    wait_for(lambda: producer_done(home, first.supervisor_pid), 240, "the second producer")
    os.killpg(proc.pid, signal.SIGINT)  # one Ctrl-C: graceful, with the drain
    out, _ = proc.communicate(timeout=600)
    assert "re-based Kafka offsets to epoch 1" in out and "drained in" in out, out
    assert "already produced completely" in (home / "logs" / "producer.log").read_text()
    final = read_state(home)
    assert final.phase == "stopped" and final.drain["success"], final.drain
    bronze = table_rows(settings, BRONZE, ["kafka_epoch", "kafka_partition", "kafka_offset"]).to_pylist()
    coords = Counter((r["kafka_epoch"], r["kafka_partition"], r["kafka_offset"]) for r in bronze)
    assert max(coords.values()) == 1 and len(coords) == len(hour1) + 5313, "each record once, none twice"
    assert Counter(epoch for epoch, _, _ in coords) == {0: len(hour1), 1: 5313}
    ids = silver_ids(settings)
    assert len(ids) == len(set(ids)) == len(hour1) + 4975  # + the 2012 hour's distinct repo events

    # The API over that lake: the quarantined Timeline user/gist events are visible, raw bytes are not.
    api_settings = Settings(
        ghintel_api_rate_limit="0", ghintel_api_keys="", ghintel_max_quarantine_share=0.01
    )
    with TestClient(create_app(api_settings)) as client:
        report = client.get("/quality/quarantine").json()
        assert report["by_reason"] == {"legacy_timeline_format": 337}
        health = client.get("/health").json()
        assert health["quarantine"]["quarantined"] == 337
        assert health["status"] == "degraded" and "quarantine" in [r["code"] for r in health["reasons"]]

    # 3. A second Ctrl-C while stopping kills at once and skips the drain.
    proc = make_up(env)
    wait_for(lambda: (s := read_state(home)) and s.phase == "running" and s, 240, "the third start")
    os.killpg(proc.pid, signal.SIGINT)
    wait_for(lambda: read_state(home).phase in ("stopping", "draining"), 30, "the stop to begin")
    time.sleep(1.5)  # the same signal twice within a second is one Ctrl-C (uv run forwards it)
    started = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert time.monotonic() - started < 30 and "second signal" in out, out
    assert not read_state(home).drain["success"]
    assert len(silver_ids(settings)) == len(hour1) + 4975


def _health(url: str) -> dict | None:
    import httpx

    try:
        body = httpx.get(f"{url}/health", timeout=10).json()
    except httpx.HTTPError:
        return None
    return body if body.get("kafka_lag") else None
