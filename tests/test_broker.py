"""The embedded broker: start, status, stop, restart detection (real Tansu processes)."""

import os
import signal
import time

import pytest

from ghintel_pipeline.lib.kafka.broker import (
    BrokerError,
    broker_status,
    ensure_topic,
    free_port,
    pid_alive,
    read_info,
    resolve_bootstrap,
    start_broker,
    stop_broker,
)
from ghintel_pipeline.lib.settings import Settings


def test_start_status_stop(tmp_path):
    info = start_broker(tmp_path, port=free_port(), partitions=5)
    try:
        st = broker_status(tmp_path)
        assert st["state"] == "running" and st["port"] == info.port
        assert ensure_topic(info.bootstrap, "github_raw_events", 5) == 5
        again = start_broker(tmp_path, port=info.port)
        assert again.instance_id == info.instance_id, "a running broker is reused, not restarted"
    finally:
        assert stop_broker(tmp_path)
    assert not pid_alive(info.pid)
    assert broker_status(tmp_path)["state"] == "absent"
    assert not stop_broker(tmp_path)


def test_died_broker_is_reported_stale_and_restart_gets_new_identity(tmp_path):
    first = start_broker(tmp_path, port=free_port())
    os.kill(first.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while pid_alive(first.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert broker_status(tmp_path)["state"] == "stale"
    with pytest.raises(BrokerError, match="stale"):
        resolve_bootstrap(Settings(ghintel_home=tmp_path, kafka_bootstrap_servers=None))
    second = start_broker(tmp_path, port=first.port)
    try:
        assert second.instance_id != first.instance_id
        assert read_info(tmp_path).pid == second.pid
    finally:
        stop_broker(tmp_path)


def test_external_cluster_wins(tmp_path):
    s = Settings(ghintel_home=tmp_path, kafka_bootstrap_servers="kafka.example:9092")
    assert resolve_bootstrap(s) == "kafka.example:9092"


@pytest.mark.slow
def test_port_in_use_is_a_clear_error(tmp_path):
    other = tmp_path / "other"
    info = start_broker(other, port=free_port())
    try:
        with pytest.raises(BrokerError, match="already in use"):
            start_broker(tmp_path / "mine", port=info.port)
    finally:
        stop_broker(other)
