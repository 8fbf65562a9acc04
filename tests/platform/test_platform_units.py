"""The supervisor's plain functions: service selection, producer command, state file, stopping groups."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ghintel_pipeline.lib.platform.process import Target, group_alive, same_process_alive, stop_groups, tail
from ghintel_pipeline.lib.platform.services import (
    ALL_SERVICES,
    SourceError,
    build_services,
    parse_services,
    producer_argv,
)
from ghintel_pipeline.lib.platform.state import (
    ChildState,
    PlatformState,
    SupervisorLock,
    read_state,
    supervisor_running,
    write_state,
)
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import HOUR_1


def test_parse_services_orders_validates_and_defaults():
    settings = Settings()
    assert parse_services("api, producer", settings) == ["producer", "api"]
    assert parse_services("all", settings) == list(ALL_SERVICES)
    assert parse_services("none", settings) == []
    assert parse_services(None, settings) == list(ALL_SERVICES)
    with pytest.raises(ValueError, match="unknown service"):
        parse_services("api,kafka-ui", settings)


def test_producer_argv_live_and_gharchive(tmp_path, monkeypatch):
    argv, kind = producer_argv("live")
    assert argv[-2:] == ["produce", "live"] and kind == "service"
    argv, kind = producer_argv(f"gharchive:{HOUR_1}")
    assert argv[-4:-1] == ["produce", "gharchive", "--skip-done"] and kind == "job"
    assert Path(argv[-1]) == HOUR_1.resolve()  # absolute, with links resolved
    argv, _ = producer_argv("gharchive:2024-01-01-0..2024-01-01-3,2024-02-01-5")
    assert argv[-7:] == [
        "gharchive",
        "--skip-done",
        "2024-02-01-5",
        "--from",
        "2024-01-01-0",
        "--to",
        "2024-01-01-3",
    ]
    # A relative file is made absolute: children must not depend on their working directory.
    monkeypatch.chdir(HOUR_1.parent)
    argv, _ = producer_argv(f"gharchive:{HOUR_1.name}")
    assert argv[-1] == str(HOUR_1)
    for bad in (
        "kafka",
        "gharchive:",
        "gharchive: , ",
        "gharchive:2024-01-01-0..2024-01-01-1,2024-02-01-0..2024-02-01-1",
    ):
        with pytest.raises(SourceError):
            producer_argv(bad)


def test_build_services_uses_configured_host_and_ports(monkeypatch):
    monkeypatch.setenv("GHINTEL_HOST", "127.0.0.2")
    monkeypatch.setenv("GHINTEL_API_PORT", "18123")
    monkeypatch.setenv("GHINTEL_DAGSTER_PORT", "13123")
    specs = {s.name: s for s in build_services(Settings(), list(ALL_SERVICES))}
    assert specs["api"].argv[-4:] == ["--host", "127.0.0.2", "--port", "18123"]
    assert specs["api"].url == "http://127.0.0.2:18123"
    web = specs["dagster-webserver"].argv
    assert web[web.index("-p") + 1] == "13123" and web[web.index("-h") + 1] == "127.0.0.2"
    assert "-w" in web and web[web.index("-w") + 1].endswith("workspace.yaml")
    assert specs["dagster-daemon"].argv[1] == "run"
    assert all(os.path.exists(s.argv[0]) for s in specs.values())


def test_state_pages_link_the_explorer_docs_and_dagster():
    def child(name: str, url: str | None) -> ChildState:
        return ChildState(name=name, argv=[], log="", kind="service", url=url)

    state = PlatformState(
        children={
            "api": child("api", "http://127.0.0.1:18123"),
            "dagster-webserver": child("dagster-webserver", "http://127.0.0.1:13123"),
            "producer": child("producer", None),
        }
    )
    assert state.pages() == {
        "explorer": "http://127.0.0.1:18123/ui",
        "API docs": "http://127.0.0.1:18123/docs",
        "Dagster": "http://127.0.0.1:13123",
    }
    assert PlatformState(children={"producer": child("producer", None)}).pages() == {}


def test_state_roundtrip_and_lock(tmp_path):
    state = PlatformState(phase="running", supervisor_pid=os.getpid(), services=["api"])
    state.children["api"] = ChildState(name="api", argv=["x"], log="l", kind="service", pid=1, port=9)
    write_state(tmp_path, state)
    back = read_state(tmp_path)
    assert back.children["api"].port == 9 and back.phase == "running"
    (tmp_path / "platform" / "state.json").write_text("{torn")
    assert read_state(tmp_path) is None
    lock = SupervisorLock(tmp_path)
    assert not supervisor_running(tmp_path)
    assert lock.acquire()
    try:
        assert supervisor_running(tmp_path)
        assert not SupervisorLock(tmp_path).acquire()
    finally:
        lock.release()
    assert not supervisor_running(tmp_path)


def _spawn_group(
    tmp_path, name: str, *, ignore: str = "", cleans_up: bool = False
) -> tuple[subprocess.Popen, int]:
    """A process group: a leader (ignoring the ``ignore`` signals; stopping its child on SIGINT when
    ``cleans_up``) plus a grandchild sleeping."""
    pidfile = tmp_path / f"{name}.grandchild"
    code = textwrap.dedent(f"""
        import signal, subprocess, sys, time
        for sig in {ignore!r}.split():
            signal.signal(getattr(signal, sig), signal.SIG_IGN)
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        open({str(pidfile)!r}, "w").write(str(child.pid))
        try:
            time.sleep(120)
        except KeyboardInterrupt:
            if {cleans_up!r}:
                child.terminate()
                child.wait()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < deadline, "group did not start"
        time.sleep(0.05)
    return proc, int(pidfile.read_text())


@pytest.mark.slow
def test_stop_groups_escalates_and_reaches_grandchildren(tmp_path):
    # SIGINT goes to the leader only (it is the one that knows how to stop its children); the
    # escalations go to the whole group, so grandchildren never outlive a stop.
    polite, polite_kid = _spawn_group(tmp_path, "polite", cleans_up=True)
    careless, careless_kid = _spawn_group(tmp_path, "careless")
    deaf, deaf_kid = _spawn_group(tmp_path, "deaf", ignore="SIGINT SIGTERM")
    targets = [
        Target("polite", polite.pid, polite),
        Target("careless", careless.pid, careless),
        Target("deaf", deaf.pid, deaf),
    ]
    started = time.monotonic()
    how = stop_groups(targets, int_timeout_s=1.5, term_timeout_s=1.5)
    assert how == {"polite": "SIGINT", "careless": "SIGTERM", "deaf": "SIGKILL"}
    # One shared timeout per step, not one per child.
    assert time.monotonic() - started < 8
    for proc, kid in ((polite, polite_kid), (careless, careless_kid), (deaf, deaf_kid)):
        assert proc.poll() is not None
        assert not group_alive(proc.pid)
        assert not same_process_alive(kid, None)


def test_tail_reads_last_lines(tmp_path):
    log = tmp_path / "x.log"
    log.write_text("".join(f"line {i}\n" for i in range(1000)) + "\n\n")
    assert tail(log, 2) == ["line 998", "line 999"]
    assert tail(tmp_path / "missing.log") == []


def test_external_kafka_is_used_as_is_and_busy_ports_are_reported(ghintel_env, broker_home, monkeypatch):
    """KAFKA_BOOTSTRAP_SERVERS set: no embedded broker is started nor stopped. A port already taken
    by someone else: that child is not started, with a message saying so; the rest goes on."""
    import socket

    from ghintel_pipeline.lib.kafka.broker import broker_status
    from ghintel_pipeline.lib.platform.supervisor import Supervisor

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setenv("GHINTEL_API_PORT", str(busy.getsockname()[1]))
        lines: list[str] = []
        supervisor = Supervisor(Settings(), ["api"], echo=lines.append)
        supervisor.start()
        try:
            state = supervisor.state
            assert state.broker == {
                "mode": "external",
                "bootstrap": ghintel_env["KAFKA_BOOTSTRAP_SERVERS"],
                "owned": False,
            }
            api = state.children["api"]
            assert api.state == "failed" and api.pid is None and "already in use" in api.message
            assert supervisor.poll_once() and supervisor.state.phase == "running"
        finally:
            supervisor.stop()
    assert read_state(Settings().home).phase == "stopped"
    assert broker_status(broker_home)["state"] == "running"  # the external cluster is untouched
    assert not (Settings().home / "kafka" / "broker.json").exists()


def test_status_sections_gold_freshness_and_last_dagster_run(tmp_path, monkeypatch):
    import dagster as dg
    import pyarrow as pa
    from deltalake import write_deltalake

    from ghintel_pipeline.cli.platform import status_table
    from ghintel_pipeline.defs.jobs import INGEST_JOB_NAME
    from ghintel_pipeline.lib.dagster_instance import write_instance_config
    from ghintel_pipeline.lib.platform.status import dagster_section, gold_section, health_section

    monkeypatch.setenv("GHINTEL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("GHINTEL_LAKE_ROOT", raising=False)
    settings = Settings()
    assert gold_section(settings) == {"newest": None, "tables": {}}
    assert dagster_section(settings)["last_run"] is None
    write_deltalake(f"{settings.lake_root}/gold/anomalies", pa.table({"x": [1]}))
    time.sleep(0.01)
    for _ in range(2):
        write_deltalake(f"{settings.lake_root}/gold/dim_repos", pa.table({"x": [1]}), mode="append")
    gold = gold_section(settings)
    assert set(gold["tables"]) == {"anomalies", "dim_repos"}
    assert gold["newest"]["table"] == "dim_repos" and gold["newest"]["version"] == 1
    assert 0 <= gold["newest"]["age_s"] < 60

    @dg.asset
    def one() -> int:
        return 1

    @dg.asset_check(asset=one, blocking=True)
    def one_is_two():
        return dg.AssetCheckResult(passed=False)

    defs = dg.Definitions(
        assets=[one], asset_checks=[one_is_two], jobs=[dg.define_asset_job(INGEST_JOB_NAME)]
    )
    with dg.DagsterInstance.from_config(str(write_instance_config(settings))) as instance:
        assert dg.materialize([one], instance=instance).success
        assert dagster_section(settings)["last_run"] is None, "a run of another job is not an ingest run"
        defs.resolve_job_def(INGEST_JOB_NAME).execute_in_process(instance=instance, raise_on_error=False)
    last = dagster_section(settings)["last_run"]
    assert last["status"] == "FAILURE" and last["ended_at"] is not None  # the blocking check failed
    health = health_section(settings)
    assert health["status"] == "degraded"
    assert [r["code"] for r in health["reasons"]] == ["check_failed"]
    assert [(c["check"], c["blocking"]) for c in health["failed_checks"]] == [("one_is_two", True)]
    table = status_table(
        {
            "platform": {"state": "stopped"},
            "broker": {"state": "absent"},
            "producer": {"state": "not started", "source": "live"},
            "dagster": {"last_run": last},
            "health": health,
            "gold": gold,
        }
    )
    text = render(table)
    assert "degraded" in text and "one_is_two" in text and "FAILURE" in text and "dim_repos v1" in text


def render(table) -> str:
    from rich.console import Console

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text()
