"""The supervisor behind ``ghintel up``: broker + children, readiness, exits, clean stop.

One supervisor per ``GHINTEL_HOME`` (a ``flock`` says whether one runs). In the foreground it is the
``ghintel up`` process itself; with ``--detach`` it is the same code in a background process
(``python -m ghintel_pipeline.lib.platform``) whose output goes to ``logs/platform.log``.
A child that exits (e.g. the live producer without network) is recorded and reported; the others keep
running. SIGINT/SIGTERM/SIGHUP (terminal closed) stop every child (SIGINT to its leader, then SIGTERM
and SIGKILL to its group), then, if this platform started the (memory-only) broker, drain it into the
lake and stop it; a second signal kills at once and skips the drain.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable

from ghintel_pipeline.lib.kafka.broker import (
    broker_status,
    ensure_topic,
    port_open,
    start_broker,
    stop_broker,
)
from ghintel_pipeline.lib.platform.drain import drain_to_lake, rebase_offsets
from ghintel_pipeline.lib.platform.health import HealthWatcher
from ghintel_pipeline.lib.platform.process import (
    Target,
    connect_host,
    create_time,
    same_process_alive,
    spawn,
    stop_groups,
    tail,
)
from ghintel_pipeline.lib.platform.services import (
    ServiceSpec,
    build_services,
    child_env,
    ensure_dagster_home,
    parse_services,
)
from ghintel_pipeline.lib.platform.state import (
    ChildState,
    PlatformState,
    SupervisorLock,
    logs_dir,
    read_state,
    write_state,
)
from ghintel_pipeline.lib.settings import Settings

NO_NETWORK_HINT = (
    "The live producer needs the GitHub Events API. Without network access replay GH Archive instead: "
    "GHINTEL_SOURCE=gharchive:<files|hours|range>, e.g. gharchive:2015-01-01-0..2015-01-01-3 or "
    "gharchive:path/to/2015-01-01-1.json.gz."
)


DUPLICATE_SIGNAL_S = 1.0


class AlreadyRunning(RuntimeError):
    """Another supervisor holds this ``GHINTEL_HOME``."""


class _ForceStop(Exception):
    """Raised by the signal handler on a second Ctrl-C/SIGTERM while stopping."""


def _exit_message(spec: ServiceSpec, returncode: int | None, last_lines: list[str]) -> str:
    last = last_lines[-1] if last_lines else ""
    if returncode is None:
        return f"{spec.name} is gone (adopted from an earlier supervisor: exit code unknown)"
    if returncode == 0:
        return f"{spec.name} finished" if spec.kind == "job" else f"{spec.name} exited (code 0): {last}"
    message = f"{spec.name} exited with code {returncode}: {last}".rstrip(": ")
    already_hinted = any("GHINTEL_SOURCE" in line for line in last_lines)
    if spec.name == "producer" and spec.argv[-1] == "live" and not already_hinted:
        message += f" -- {NO_NETWORK_HINT}"
    return message


class Supervisor:
    """Runs the platform until stopped. ``echo`` receives one line per event (start, ready, exit, stop)."""

    def __init__(
        self,
        settings: Settings,
        services: list[str] | None = None,
        *,
        detached: bool = False,
        echo: Callable[[str], None] = print,
        on_ready: Callable[[PlatformState], None] | None = None,
    ):
        self.settings = settings
        self.home = settings.home
        self.names = services if services is not None else parse_services(None, settings)
        self.detached = detached
        self.echo = echo
        self.on_ready = on_ready
        self.lock = SupervisorLock(self.home)
        self.state = PlatformState()
        self.specs: dict[str, ServiceSpec] = {}
        self.popens: dict[str, subprocess.Popen] = {}
        self._stop_requested = False
        self._stopping = False
        self._forced = False
        self._first_signal_at: float | None = None
        self.health = HealthWatcher(settings, echo, settings.ghintel_health_interval_s)

    # ------------------------------------------------------------------ lifecycle
    def run(self) -> int:
        """Start, supervise until SIGINT/SIGTERM, stop. Returns the process exit code."""
        if not self.lock.acquire():
            raise AlreadyRunning(f"a platform supervisor already runs for {self.home}")
        previous_handlers = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        }
        try:
            try:
                self.start()
            except _ForceStop:
                self._stop_requested = True
            except Exception as exc:
                self.state.phase, self.state.error = "failed", f"{type(exc).__name__}: {exc}"
                self.echo(f"error: {self.state.error}")
                self.save()
                self.stop()
                self.state.phase = "failed"
                self.save()
                return 1
            self.supervise()
            self.stop()
            return 0
        finally:
            for sig, handler in previous_handlers.items():
                signal.signal(sig, handler)
            self.lock.release()

    def _on_signal(self, signum: int, _frame) -> None:
        # One Ctrl-C can arrive twice: the terminal signals the whole process group and `uv run`
        # forwards the same SIGINT to its child (measured with uv 0.13). Within a second it is one.
        now = time.monotonic()
        if self._first_signal_at is not None and now - self._first_signal_at < DUPLICATE_SIGNAL_S:
            return
        if self._first_signal_at is None:
            self._first_signal_at = now
        if self._stopping:
            raise _ForceStop()
        self._stop_requested = True

    def save(self) -> None:
        write_state(self.home, self.state)

    def start(self) -> None:
        previous = read_state(self.home)
        self.state = PlatformState(
            phase="starting",
            detached=self.detached,
            supervisor_pid=os.getpid(),
            supervisor_create_time=create_time(os.getpid()),
            started_at=time.time(),
            services=list(self.names),
            source=self.settings.ghintel_source,
        )
        self.save()
        self.state.broker = self._start_broker(previous)
        self.save()
        if any(name.startswith("dagster") for name in self.names):
            self.state.dagster_home = str(ensure_dagster_home(self.settings))
        env = child_env(self.settings)
        for spec in build_services(self.settings, self.names):
            self.specs[spec.name] = spec
            self.state.children[spec.name] = self._start_child(spec, env, previous)
            self.save()

    def _start_broker(self, previous: PlatformState | None) -> dict:
        s = self.settings
        if s.kafka_bootstrap_servers:
            return {"mode": "external", "bootstrap": s.kafka_bootstrap_servers, "owned": False}
        current = broker_status(self.home)
        if current["state"] == "running":
            # Ownership survives a supervisor restart only if it is the very broker a previous `up` started.
            prev = (previous.broker if previous else {}) or {}
            owned = bool(prev.get("owned")) and prev.get("instance_id") == current["instance_id"]
            ensure_topic(current["bootstrap"], s.ghintel_topic, s.ghintel_partitions)
            self.echo(f"broker: reusing the running broker at {current['bootstrap']} (pid {current['pid']})")
            return {"mode": "embedded", "owned": owned, "reused": True, **_broker_fields(current)}
        info = start_broker(
            self.home, port=s.ghintel_kafka_port, topic=s.ghintel_topic, partitions=s.ghintel_partitions
        )
        self.echo(f"broker: started at {info.bootstrap} (pid {info.pid}), topic {s.ghintel_topic}")
        # Before any producer runs: the new broker is empty, offsets of the old log must not be used.
        self.state.rebased = rebase_offsets(s, self.echo)
        return {
            "mode": "embedded",
            "owned": True,
            "reused": False,
            **_broker_fields(broker_status(self.home)),
        }

    def _start_child(self, spec: ServiceSpec, env: dict, previous: PlatformState | None) -> ChildState:
        log = logs_dir(self.home) / f"{spec.name}.log"
        child = ChildState(
            name=spec.name,
            argv=spec.argv,
            log=str(log),
            kind=spec.kind,
            port=spec.port,
            url=spec.url,
        )
        old = previous.children.get(spec.name) if previous else None
        if old and old.state in ("starting", "running") and same_process_alive(old.pid, old.create_time):
            # The previous supervisor died but its child lives on: adopt it instead of starting a twin.
            child.pid, child.create_time, child.started_at = old.pid, old.create_time, old.started_at
            child.state, child.message = "running", "adopted from the previous supervisor"
            self.echo(f"{spec.name}: already running (pid {old.pid}), adopted")
            return child
        if spec.port is not None and port_open(connect_host(self.settings.ghintel_host), spec.port):
            child.state = "failed"
            child.message = f"port {spec.port} is already in use; set another port (see docs/operations.md)"
            self.echo(f"{spec.name}: not started: {child.message}")
            return child
        popen = spawn(spec.argv, env={**env, **spec.env}, log_file=log)
        self.popens[spec.name] = popen
        child.pid, child.create_time, child.started_at = popen.pid, create_time(popen.pid), time.time()
        child.state = "starting" if spec.port is not None else "running"
        self.echo(f"{spec.name}: started (pid {popen.pid}), log {log}")
        return child

    # ------------------------------------------------------------------ supervision
    def poll_once(self) -> bool:
        """Check exits and readiness once. Returns whether the state changed."""
        changed = False
        host = connect_host(self.settings.ghintel_host)
        for name, child in self.state.children.items():
            if child.state not in ("starting", "running"):
                continue
            spec, popen = self.specs[name], self.popens.get(name)
            if popen is not None:
                returncode = popen.poll()
                gone = returncode is not None
            else:
                returncode, gone = None, not same_process_alive(child.pid, child.create_time)
            if gone:
                child.returncode, child.ended_at = returncode, time.time()
                child.last_lines = tail(child.log)
                child.state = "exited" if returncode == 0 else "failed"
                child.message = _exit_message(spec, returncode, child.last_lines)
                self.echo(child.message)
                changed = True
            elif child.state == "starting" and child.port is not None and port_open(host, child.port):
                child.state, child.ready = "running", True
                self.echo(f"{name}: ready at {child.url}")
                changed = True
        if self.state.phase == "starting" and all(
            c.state != "starting" for c in self.state.children.values()
        ):
            self.state.phase = "running"
            changed = True
            self.health.start()
            if self.on_ready is not None:
                self.on_ready(self.state)
        return changed

    def supervise(self) -> None:
        deadline = time.monotonic() + self.settings.ghintel_start_timeout_s
        last_heartbeat = 0.0
        while not self._stop_requested:
            try:
                changed = self.poll_once()
            except _ForceStop:
                break
            if self.state.phase == "starting" and time.monotonic() > deadline:
                late = [n for n, c in self.state.children.items() if c.state == "starting"]
                self.state.phase = "running"
                self.state.error = (
                    f"not ready within {self.settings.ghintel_start_timeout_s:.0f}s: {', '.join(late)}"
                )
                self.echo(f"warning: {self.state.error}")
                changed = True
            if changed or time.monotonic() - last_heartbeat > 10:
                self.save()
                last_heartbeat = time.monotonic()
            time.sleep(0.2)

    def stop(self) -> None:
        self._stopping = True
        self.health.stop()
        self.state.phase = "stopping"
        self.save()
        targets = []
        for name, child in self.state.children.items():
            popen = self.popens.get(name)
            alive = (
                popen.poll() is None
                if popen is not None
                else same_process_alive(child.pid, child.create_time)
            )
            if child.pid and alive:
                targets.append(Target(name, child.pid, popen))
        if targets:
            self.echo(f"stopping {', '.join(t.name for t in targets)}")
        timeout = self.settings.ghintel_stop_timeout_s
        try:
            how = stop_groups(targets, int_timeout_s=timeout, term_timeout_s=timeout / 2)
        except _ForceStop:
            self.echo("second signal: killing every child now")
            self._forced = True
            how = stop_groups(targets, int_timeout_s=0, term_timeout_s=0)
        for target in targets:
            child = self.state.children[target.name]
            child.state, child.stopped_by, child.ended_at = "stopped", how.get(target.name), time.time()
            child.returncode = target.popen.returncode if target.popen is not None else None
        if self.state.broker.get("owned"):
            self._drain()
            stop_broker(self.home)
            self.state.broker["state"] = "stopped"
            self.echo("broker: stopped (its data is memory-only; the lake keeps what was ingested)")
        self.state.phase = "stopped"
        self.save()

    def _drain(self) -> None:
        """Memory-only broker: ingest what it holds before it goes (a second signal skips this)."""
        if self._forced:
            self.echo("second signal: not draining; records not in the lake yet are lost with the broker")
            self.state.drain = {"success": False, "error": "skipped after a second signal"}
            return
        self.state.phase = "draining"
        self.save()
        try:
            self.state.drain = drain_to_lake(self.settings, self.echo)
        except _ForceStop:
            self.echo("second signal: drain stopped; records not in the lake yet are lost with the broker")
            self.state.drain = {"success": False, "error": "interrupted by a second signal"}
        self.save()


def _broker_fields(status: dict) -> dict:
    keep = ("state", "pid", "port", "host", "bootstrap", "instance_id", "started_at", "log_file")
    return {k: status[k] for k in keep if k in status}
