"""`ghintel up / status / down` with the real processes: embedded broker, GH Archive producer, API.

Every test gets its own GHINTEL_HOME and free ports, and starts its own broker through `ghintel up`
(not the session broker): the point is the supervisor's handling of it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ghintel_pipeline.lib.kafka.broker import free_port, port_open
from ghintel_pipeline.lib.platform.control import stop_platform
from ghintel_pipeline.lib.platform.process import same_process_alive
from ghintel_pipeline.lib.platform.state import read_state
from ghintel_pipeline.lib.platform.status import platform_status
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import HOUR_1

pytestmark = pytest.mark.slow


@pytest.fixture
def platform_env(tmp_path, monkeypatch, set_env) -> dict:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GHINTEL_", "KAFKA_", "DAGSTER_", "GITHUB_"))
    }
    env.update(
        GHINTEL_HOME=str(tmp_path / "home"),
        GHINTEL_KAFKA_PORT=str(free_port()),
        GHINTEL_API_PORT=str(free_port()),
        GHINTEL_SERVICES="producer,api",
        GHINTEL_SOURCE=f"gharchive:{HOUR_1}",
        GHINTEL_STOP_TIMEOUT_S="5",
        GHINTEL_START_TIMEOUT_S="90",
    )
    # The same environment in this process, for the in-process status checks (the CLI's own start-up
    # costs seconds per call on a loaded 2-core machine).
    for key in [k for k in os.environ if k.startswith(("GHINTEL_", "KAFKA_", "DAGSTER_", "GITHUB_"))]:
        monkeypatch.delenv(key)
    set_env(env)
    yield env
    # Never leave processes behind, whatever the test did.
    stop_platform(Settings())


def ghintel(env: dict, *args: str, timeout: float = 150) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ghintel_pipeline.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def status_now(deep: bool = True) -> dict:
    """What `ghintel status --json` prints (same function), computed in this process."""
    return json.loads(json.dumps(platform_status(Settings(), deep=deep), default=str))


def wait_for(predicate, timeout: float, what: str, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def test_detached_up_status_rerun_adopt_down(platform_env):
    env, home = platform_env, Path(platform_env["GHINTEL_HOME"])
    api_port = int(env["GHINTEL_API_PORT"])

    out = ghintel(env, "up", "--detach")
    assert out.returncode == 0, out.stderr
    assert f"http://127.0.0.1:{api_port}" in out.stderr
    assert f"explorer: http://127.0.0.1:{api_port}/ui" in out.stderr
    state = read_state(home)
    assert state.phase == "running" and state.detached and state.broker["owned"]
    broker_pid, api = state.broker["pid"], state.children["api"]
    assert api.state == "running" and port_open("127.0.0.1", api_port)
    assert httpx.get(f"http://127.0.0.1:{api_port}/health", timeout=10).status_code in (200, 503)
    assert (home / "logs" / "api.log").exists() and (home / "logs" / "platform.log").exists()

    # The GH Archive replay is a job: it finishes (exit 0) and the rest keeps running.
    producer = wait_for(
        lambda: (c := read_state(home).children["producer"]).state != "running" and c, 90, "the producer"
    )
    assert producer.state == "exited" and producer.returncode == 0, producer.last_lines
    assert any("7,427" in line for line in producer.last_lines)  # every line of the hour acknowledged
    status = status_now()
    assert status["platform"]["state"] == "running"
    assert status["broker"]["state"] == "running"
    assert status["producer"]["state"] == "exited" and status["producer"]["returncode"] == 0
    assert status["platform"]["children"]["api"]["state"] == "running"
    assert status["lag"]["lag"] > 0 and status["lag"]["has_new_data"]  # nothing ingested yet
    assert status["gold"]["newest"] is None

    # Again: nothing new is started.
    out = ghintel(env, "up", "--detach")
    assert out.returncode == 0 and "already running" in out.stderr
    again = read_state(home)
    assert again.supervisor_pid == state.supervisor_pid and again.broker["pid"] == broker_pid

    # A supervisor killed hard: its children live on, and the next `up` adopts them (no twins).
    os.kill(state.supervisor_pid, signal.SIGKILL)
    wait_for(lambda: not same_process_alive(state.supervisor_pid, state.supervisor_create_time), 10, "kill")
    assert status_now(deep=False)["platform"]["state"] == "crashed"
    out = ghintel(env, "up", "--detach")
    assert out.returncode == 0, out.stderr
    adopted = read_state(home)
    assert adopted.supervisor_pid != state.supervisor_pid
    assert adopted.children["api"].pid == api.pid and "adopted" in adopted.children["api"].message
    assert adopted.broker["pid"] == broker_pid and adopted.broker["owned"] and adopted.broker["reused"]

    out = ghintel(env, "down", "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["was_running"] and result["broker"] == "stopped"
    assert result["children"]["api"] in ("SIGINT", "SIGTERM")
    for pid, started in (
        (api.pid, api.create_time),
        (adopted.supervisor_pid, adopted.supervisor_create_time),
    ):
        assert not same_process_alive(pid, started)
    assert not same_process_alive(broker_pid, None)
    assert not port_open("127.0.0.1", api_port)
    out = ghintel(env, "status", "--json", "--quick")
    assert out.returncode == 1 and json.loads(out.stdout)["platform"]["state"] == "stopped"
    assert ghintel(env, "down").returncode == 0  # idempotent


def test_no_network_live_producer_fails_alone_and_ctrl_c_stops_all(platform_env):
    env, home = dict(platform_env), Path(platform_env["GHINTEL_HOME"])
    api_port = int(env["GHINTEL_API_PORT"])
    env.update(
        GHINTEL_SOURCE="live",
        GITHUB_API_URL=f"http://127.0.0.1:{free_port()}",  # nothing listens: like a machine offline
        GHINTEL_LIVE_MAX_ATTEMPTS="2",
        GHINTEL_LIVE_BACKOFF_S="0.2",
    )
    # Foreground `ghintel up`, as a user runs it; Ctrl-C is a SIGINT to it.
    proc = subprocess.Popen(
        [sys.executable, "-m", "ghintel_pipeline.cli.main", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        failed = wait_for(
            lambda: (
                (s := read_state(home))
                and s.children.get("producer")
                and s.children["producer"].state == "failed"
                and s
            ),
            120,
            "the live producer to fail",
        )
        producer = failed.children["producer"]
        assert producer.returncode == 3
        assert "GHINTEL_SOURCE=gharchive:" in " ".join(producer.last_lines)  # the producer's own hint
        api = wait_for(
            lambda: (c := read_state(home).children["api"]).state == "running" and c, 90, "the API"
        )
        assert httpx.get(f"http://127.0.0.1:{api_port}/health", timeout=10).status_code in (200, 503)

        status = status_now(deep=False)
        assert status["platform"]["state"] == "running"
        assert status["producer"]["state"] == "failed" and status["producer"]["returncode"] == 3
        assert "gharchive" in status["producer"]["message"]
        assert status["producer"]["live_status"]["state"] == "failed"
        assert status["platform"]["children"]["api"]["state"] == "running"
        broker_pid = read_state(home).broker["pid"]
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert "producer exited with code 3" in output and "stopping api" in output
    final = read_state(home)
    assert final.phase == "stopped" and final.children["api"].stopped_by == "SIGINT"
    assert not same_process_alive(api.pid, api.create_time)
    assert not same_process_alive(broker_pid, None) and not port_open("127.0.0.1", api_port)
