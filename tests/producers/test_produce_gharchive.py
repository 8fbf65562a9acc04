"""`ghintel produce gharchive` and its library on the real embedded broker and a local mirror."""

import gzip
import json
import time
import zlib
from collections import Counter

import orjson
import pytest
import typer
from typer.testing import CliRunner

from benchmarks.cli import app as bench_app
from ghintel_pipeline.cli import produce as produce_cli
from ghintel_pipeline.lib.gharchive import produce_sources, resolve_sources
from ghintel_pipeline.lib.kafka.broker import free_port, start_broker, stop_broker
from ghintel_pipeline.lib.kafka.consumer import read_all
from ghintel_pipeline.lib.kafka.producer import RawEventProducer
from tests.conftest import HOUR_1

HOUR_1_LINES = gzip.decompress(HOUR_1.read_bytes()).split(b"\n")[:-1]
# Mounted as in ghintel_pipeline.cli.main, without importing every other command group.
app = typer.Typer()
app.add_typer(produce_cli.app, name="produce")


def run_cli(*args: str):
    result = CliRunner().invoke(app, ["produce", "gharchive", *args, "--json"])
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return result, summary


def assert_topic_holds(bootstrap: str, topic: str, lines: list[bytes], file: str, hour: str) -> None:
    """Every line exactly once, byte for byte, keyed by its repo id, with the gharchive headers."""
    records = read_all(bootstrap, topic)
    assert Counter(r.value for r in records) == Counter(lines)
    assert len(records) == len(lines)
    for r in records:
        assert r.key == str(orjson.loads(r.value)["repo"]["id"]).encode()
        assert r.header("source") == b"gharchive"
        assert r.header("file") == file.encode()
        assert r.header("hour") == hour.encode()


def test_lib_produces_a_shared_hour_exactly_once(bootstrap, topic):
    sources = resolve_sources([str(HOUR_1)], base_url="http://unused")
    with RawEventProducer(bootstrap, topic) as producer:
        summary = produce_sources(sources, producer)
    assert summary.ok
    assert (summary.read, summary.empty, summary.produced, summary.failed) == (7427, 0, 7427, 0)
    assert summary.bytes == sum(len(line) for line in HOUR_1_LINES)
    assert summary.files[0].produced == 7427 and summary.files[0].status == "ok"
    assert_topic_holds(bootstrap, topic, HOUR_1_LINES, "2015-01-01-1.json.gz", "2015-01-01T01:00:00Z")


def test_cli_produces_a_file_and_prints_json_counts(ghintel_env, bootstrap, topic):
    result, summary = run_cli(str(HOUR_1))
    assert result.exit_code == 0, result.output
    assert summary["ok"] is True
    assert {k: summary[k] for k in ("read", "produced", "failed", "empty")} == {
        "read": 7427,
        "produced": 7427,
        "failed": 0,
        "empty": 0,
    }
    assert summary["bytes"] == 17_642_244 and summary["seconds"] > 0
    assert [(f["name"], f["produced"], f["status"]) for f in summary["files"]] == [
        ("2015-01-01-1.json.gz", 7427, "ok")
    ]
    assert_topic_holds(bootstrap, topic, HOUR_1_LINES, "2015-01-01-1.json.gz", "2015-01-01T01:00:00Z")


def test_skip_done_produces_a_completed_file_once_across_restarts(ghintel_env, bootstrap, topic, tmp_path):
    bad = tmp_path / "2015-01-01-2.json.gz"
    bad.write_bytes(gzip.compress(b"\n".join([b"{not json"] * 20 + HOUR_1_LINES[:20]) + b"\n"))
    result, summary = run_cli(str(HOUR_1), str(bad), "--skip-done")
    assert result.exit_code == 0, result.output
    assert summary["produced"] == 7427 + 40
    files = {f["name"]: f for f in summary["files"]}
    assert files["2015-01-01-1.json.gz"]["warning"] is None
    assert files["2015-01-01-1.json.gz"]["contract_sampled"] == 929  # lines 1, 9, 17, ...
    # Half of the file is not JSON: the summary says the lake will quarantine that share.
    assert (
        files["2015-01-01-2.json.gz"]["contract_failed"] == 3
        and "fail the contract" in (files["2015-01-01-2.json.gz"]["warning"])
    )
    assert "warning" in result.output and "fail the contract" in result.output

    again, summary = run_cli(str(HOUR_1), str(bad), "--skip-done")
    assert again.exit_code == 0 and summary["produced"] == 0 and summary["files"] == []
    assert "already produced completely" in again.output
    assert len(read_all(bootstrap, topic)) == 7427 + 40, "nothing was produced twice"
    without, summary = run_cli(str(bad))
    assert without.exit_code == 0 and summary["produced"] == 40, "only --skip-done skips"


def test_cli_range_from_a_mirror_with_two_workers_reports_a_missing_hour(
    ghintel_env, bootstrap, topic, mirror
):
    mirror.add(HOUR_1)
    result, summary = run_cli(
        "--from", "2015-01-01-1", "--to", "2015-01-01-2", "--base-url", mirror.url, "--workers", "2"
    )
    assert result.exit_code == 1
    assert summary["ok"] is False
    files = {f["name"]: f for f in summary["files"]}
    assert (
        files["2015-01-01-1.json.gz"]["status"] == "ok" and files["2015-01-01-1.json.gz"]["produced"] == 7427
    )
    missing = files["2015-01-01-2.json.gz"]
    assert (missing["status"], missing["error_kind"], missing["read"]) == ("error", "not_found", 0)
    assert "404" in missing["error"] and "404" in result.stderr
    assert (summary["produced"], summary["failed"]) == (7427, 0)
    assert_topic_holds(bootstrap, topic, HOUR_1_LINES, "2015-01-01-1.json.gz", "2015-01-01T01:00:00Z")


def _complete_lines(prefix: bytes) -> list[bytes]:
    return zlib.decompressobj(31).decompress(prefix).split(b"\n")[:-1]


@pytest.mark.parametrize("how", ["truncated-file", "dropped-connection"])
def test_cli_broken_download_produces_what_came_before_and_fails(ghintel_env, bootstrap, topic, mirror, how):
    cut = 900_000
    name = "2015-01-01-3.json.gz"
    if how == "truncated-file":
        (mirror.root / name).write_bytes(HOUR_1.read_bytes()[:cut])
    else:
        mirror.add(HOUR_1, name)
        mirror.drop_after[name] = cut
    expected = _complete_lines(HOUR_1.read_bytes()[:cut])
    result, summary = run_cli("2015-01-01-3", "--base-url", mirror.url)
    assert result.exit_code == 1
    [f] = summary["files"]
    assert f["error_kind"] == ("truncated" if how == "truncated-file" else "connection_error")
    assert f["read"] == f["produced"] == summary["produced"] > 1000
    assert summary["failed"] == 0
    if how == "truncated-file":
        assert f["produced"] == len(expected)
    else:  # bytes in flight when the connection dropped may be lost with it
        assert f["produced"] <= len(expected)
    assert_topic_holds(bootstrap, topic, expected[: f["produced"]], name, "2015-01-01T03:00:00Z")


def test_cli_without_a_broker_is_a_quick_clear_failure(ghintel_env, monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{free_port()}")
    t0 = time.monotonic()
    result, summary = run_cli(str(HOUR_1), "--delivery-timeout", "2")
    assert result.exit_code == 1
    assert time.monotonic() - t0 < 15
    assert "cannot reach Kafka" in summary["error"] and "nothing was read or produced" in result.stderr
    assert (summary["read"], summary["produced"], summary["failed"]) == (0, 0, 0)


@pytest.mark.slow
def test_cli_broker_dying_mid_run_is_bounded_and_counted(tmp_path, monkeypatch, mirror):
    home = tmp_path / "private-broker"
    info = start_broker(home, port=free_port(), topic="raw", partitions=3)
    monkeypatch.setenv("GHINTEL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", info.bootstrap)
    monkeypatch.setenv("GHINTEL_TOPIC", "raw")
    mirror.add(HOUR_1)
    mirror.on_bytes["2015-01-01-1.json.gz"] = (1_300_000, lambda: stop_broker(home))
    try:
        t0 = time.monotonic()
        result, summary = run_cli("2015-01-01-1", "--base-url", mirror.url, "--delivery-timeout", "3")
        elapsed = time.monotonic() - t0
    finally:
        stop_broker(home)
    assert result.exit_code == 1
    assert elapsed < 30
    sent = summary["read"] - summary["empty"]
    assert summary["produced"] + summary["failed"] == sent, (
        "every line sent is either confirmed or reported failed"
    )
    assert summary["failed"] > 0 and summary["produced"] < 7427
    # Once a delivery has timed out, reading stops (the rest would only fail after the timeout too).
    assert summary["read"] == 7427 or "Kafka unreachable" in summary["aborted"]
    errors = " ".join(summary["delivery_errors"])
    assert "_MSG_TIMED_OUT" in errors or "_TRANSPORT" in errors, summary
    assert "NOT COMPLETE" in result.stderr


def test_cli_rejects_bad_specs(ghintel_env):
    result = CliRunner().invoke(app, ["produce", "gharchive", "2015-01-01", "--json"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD-H" in json.loads(result.stdout)["error"]
    result = CliRunner().invoke(app, ["produce", "gharchive", "--from", "2015-01-01-1"])
    assert result.exit_code == 2 and "together" in result.stderr


def test_empty_lines_are_counted_not_produced(bootstrap, topic, tmp_path):
    path = tmp_path / "2015-01-01-1.json.gz"
    path.write_bytes(
        gzip.compress(b"\n".join([HOUR_1_LINES[0], b"", b"{not json", b"", HOUR_1_LINES[1]]) + b"\n")
    )
    with RawEventProducer(bootstrap, topic) as producer:
        summary = produce_sources(resolve_sources([str(path)], base_url="http://unused"), producer)
    assert (summary.read, summary.empty, summary.produced, summary.failed) == (5, 2, 3, 0)
    records = {r.value: r.key for r in read_all(bootstrap, topic)}
    assert records[b"{not json"] is None, "bad input is produced (keyless) to be quarantined downstream"
    assert set(records) == {HOUR_1_LINES[0], b"{not json", HOUR_1_LINES[1]}


def test_bench_produce_prints_rate_and_same_run_baselines(ghintel_env, tmp_path):
    small = tmp_path / "2015-01-01-1.json.gz"
    small.write_bytes(gzip.compress(b"\n".join(HOUR_1_LINES[:500]) + b"\n"))
    result = CliRunner().invoke(bench_app, ["produce", str(small), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert (figures["events"], figures["failed"]) == (500, 0)
    assert figures["events_per_s"] > 0 and figures["baseline_client_default_100b_msgs_per_s"] > 0
    assert figures["ratio_vs_client_small"] == pytest.approx(
        # the printed rates are rounded (to 0.1 and whole messages), the ratio was taken before
        figures["events_per_s"] / figures["baseline_client_default_100b_msgs_per_s"],
        rel=1e-3,
        abs=0.002,
    )
    assert figures["baseline_read_gunzip_key_lines_per_s"] > figures["events_per_s"]


def test_lib_opens_its_own_http_client_for_url_sources(bootstrap, topic, mirror):
    (mirror.root / "2015-01-01-5.json.gz").write_bytes(gzip.compress(b"\n".join(HOUR_1_LINES[:3]) + b"\n"))
    with RawEventProducer(bootstrap, topic) as producer:
        summary = produce_sources(resolve_sources(["2015-01-01-5"], base_url=mirror.url), producer)
    assert (summary.produced, summary.ok) == (3, True)
    assert_topic_holds(bootstrap, topic, HOUR_1_LINES[:3], "2015-01-01-5.json.gz", "2015-01-01T05:00:00Z")
