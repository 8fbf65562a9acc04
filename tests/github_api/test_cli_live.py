"""``ghintel produce live`` end to end: replay server -> poller -> real embedded broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from ghintel_pipeline.cli.main import app
from ghintel_pipeline.lib.github_api import read_live_status
from ghintel_pipeline.lib.kafka.broker import free_port
from ghintel_pipeline.lib.kafka.consumer import read_all
from tests.github_api.conftest import FIREHOSE, WATCHLIST

pytestmark = pytest.mark.broker


def test_produce_live_into_the_real_broker(ghintel_env, bootstrap, topic, replay, monkeypatch):
    server = replay(FIREHOSE, *WATCHLIST)
    monkeypatch.setenv("GITHUB_API_URL", server.base_url)
    monkeypatch.setenv("GHINTEL_WATCH_REPOS", "PyGithub/PyGithub")
    monkeypatch.setenv("GHINTEL_WATCH_ORGS", "BeaverSoftware")

    result = CliRunner().invoke(app, ["produce", "live", "--max-polls", "1", "--json"])

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["produced"] == 86 and summary["failed"] == 0 and summary["stopped_by"] == "max_polls"
    records = read_all(bootstrap, topic)
    assert len(records) == 86
    expected = {
        "/events": server.recorded("/events").events(),
        "/repos/PyGithub/PyGithub/events": server.recorded("/repos/PyGithub/PyGithub/events").events(),
        "/orgs/BeaverSoftware/events": server.recorded("/orgs/BeaverSoftware/events").events(),
    }
    by_endpoint: dict[str, list] = {}
    for record in records:
        headers = dict(record.headers)
        assert headers["source"] == b"events_api"
        event = orjson.loads(record.value)
        assert record.key == str(event["repo"]["id"]).encode()
        assert record.value == orjson.dumps(event)
        by_endpoint.setdefault(headers["endpoint"].decode(), []).append(record)
    assert {k: len(v) for k, v in by_endpoint.items()} == {k: len(v) for k, v in expected.items()}
    for endpoint, events in expected.items():
        assert sorted(orjson.loads(r.value)["id"] for r in by_endpoint[endpoint]) == sorted(
            e["id"] for e in events
        )
    # One repo -> one partition, produced oldest first: offsets follow the API's order reversed.
    repo_records = sorted(by_endpoint["/repos/PyGithub/PyGithub/events"], key=lambda r: r.offset)
    assert len({r.partition for r in repo_records}) == 1
    assert [orjson.loads(r.value)["id"] for r in repo_records] == [
        e["id"] for e in reversed(expected["/repos/PyGithub/PyGithub/events"])
    ]
    status = read_live_status(Path(ghintel_env["GHINTEL_HOME"]))
    assert status["state"] == "stopped" and status["produced"] == 86
    assert status["last_poll"]["new"] == 86 and set(status["endpoints"]) == set(expected)


def test_produce_live_without_network_says_so(ghintel_env, monkeypatch):
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("GHINTEL_LIVE_BACKOFF_S", "0.01")

    result = CliRunner().invoke(app, ["produce", "live", "--once"])

    assert result.exit_code == 3
    text = " ".join(result.output.split())
    assert "cannot reach" in text and "ghintel produce gharchive" in text
    assert "GHINTEL_SOURCE=gharchive:" in text
    assert read_live_status(Path(ghintel_env["GHINTEL_HOME"]))["state"] == "failed"


def test_duration_bounds_a_cli_run(ghintel_env, replay, monkeypatch):
    server = replay(FIREHOSE)
    monkeypatch.setenv("GITHUB_API_URL", server.base_url)
    started = time.monotonic()
    result = CliRunner().invoke(app, ["produce", "live", "--duration", "1", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    # One poll, then the 60 s X-Poll-Interval wait is cut short by the 1 s duration.
    assert summary["polls"] == 1 and summary["stopped_by"] == "duration" and summary["produced"] == 30
    assert time.monotonic() - started < 15


def test_sigint_stops_cleanly_with_a_flushed_summary(ghintel_env, replay, monkeypatch):
    server = replay(FIREHOSE)
    monkeypatch.setenv("GITHUB_API_URL", server.base_url)
    home = Path(ghintel_env["GHINTEL_HOME"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "ghintel_pipeline.cli.main", "produce", "live", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = read_live_status(home)
            if status and status["summary"]["polls"] >= 1:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the live producer never finished a poll")
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGINT)  # it is now waiting out the 60 s X-Poll-Interval
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    assert time.monotonic() - stopped_at < 10
    summary = json.loads(out.decode().strip().splitlines()[-1])
    assert summary["stopped_by"] == "signal" and summary["produced"] == 30 and summary["polls"] == 1
    assert read_live_status(home)["state"] == "stopped"
