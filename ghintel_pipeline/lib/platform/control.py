"""Detached platform control: start it in the background, stop it, hand a handle to tests/benchmarks.

``start_platform`` is the hook for end-to-end tests and benchmarks::

    with start_platform(settings, services=["producer", "api"]) as platform:
        platform.urls["api"]  # -> "http://127.0.0.1:8000"
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, field

from ghintel_pipeline.lib.kafka.broker import broker_status, stop_broker
from ghintel_pipeline.lib.platform.process import Target, same_process_alive, spawn, stop_groups, tail
from ghintel_pipeline.lib.platform.services import child_env, parse_services
from ghintel_pipeline.lib.platform.state import (
    PlatformState,
    logs_dir,
    read_state,
    supervisor_running,
    write_state,
)
from ghintel_pipeline.lib.polling import poll_until
from ghintel_pipeline.lib.settings import Settings


class PlatformError(RuntimeError):
    """The detached supervisor failed to start or to report readiness."""


@dataclass
class PlatformHandle:
    """A running (detached) platform: its state and how to stop it."""

    settings: Settings
    state: PlatformState
    already_running: bool = False
    stopped: dict | None = field(default=None, repr=False)

    @property
    def urls(self) -> dict[str, str]:
        return {name: child.url for name, child in self.state.children.items() if child.url}

    def refresh(self) -> PlatformState:
        self.state = read_state(self.settings.home) or self.state
        return self.state

    def stop(self) -> dict:
        if self.stopped is None:
            self.stopped = stop_platform(self.settings)
        return self.stopped

    def __enter__(self) -> PlatformHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_platform(
    settings: Settings,
    services: list[str] | None = None,
    *,
    timeout_s: float | None = None,
) -> PlatformHandle:
    """Start the supervisor in the background and wait until it reports ``running`` (or fails).

    Idempotent: when a supervisor already runs for this ``GHINTEL_HOME`` its state is returned with
    ``already_running=True`` and nothing new is started.
    """
    home = settings.home
    names = services if services is not None else parse_services(None, settings)
    if supervisor_running(home):
        state = read_state(home)
        if state is not None:
            return PlatformHandle(settings, state, already_running=True)
    log = logs_dir(home) / "platform.log"
    argv = [
        sys.executable,
        "-m",
        "ghintel_pipeline.lib.platform",
        "--services",
        ",".join(names) or "none",
    ]
    popen = spawn(argv, env=child_env(settings), log_file=log)
    limit = (timeout_s or settings.ghintel_start_timeout_s) + 60  # + broker start and Dagster home setup
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        state = read_state(home)
        if state is not None and state.supervisor_pid == popen.pid and state.phase in ("running", "failed"):
            if state.phase == "failed":
                raise PlatformError(f"platform failed to start: {state.error}; see {log}")
            return PlatformHandle(settings, state)
        if popen.poll() is not None:
            if popen.returncode == 3:  # lost a race with another `up`: report the winner
                state = read_state(home)
                if state is not None:
                    return PlatformHandle(settings, state, already_running=True)
            raise PlatformError(
                f"supervisor exited with code {popen.returncode}: {' | '.join(tail(log, 3))}; see {log}"
            )
        time.sleep(0.2)
    raise PlatformError(f"platform not running after {limit:.0f}s; see {log}")


def stop_platform(settings: Settings) -> dict:
    """Stop the supervisor (which stops its children and its broker), then clean up anything left.

    Safe to call when nothing runs, and after the supervisor was SIGKILLed (its children are then
    stopped from the recorded (pid, create_time) pairs).
    """
    home = settings.home
    state = read_state(home)
    if state is None:
        return {"was_running": False, "children": {}, "broker": "not started by ghintel up"}
    result: dict = {"was_running": False, "children": {}, "broker": None}
    timeout = settings.ghintel_stop_timeout_s
    if state.supervisor_alive():
        result["was_running"] = True
        os.kill(state.supervisor_pid, signal.SIGTERM)
        # Children get SIGINT + timeout, SIGTERM + timeout/2, SIGKILL; then the drain, then the broker.
        wait_s = timeout * 1.5 + settings.ghintel_drain_timeout_s + 30
        if not poll_until(lambda: not state.supervisor_alive(), timeout_s=wait_s, interval_s=0.1):
            os.kill(state.supervisor_pid, signal.SIGKILL)
        state = read_state(home) or state
    leftovers = [
        Target(name, child.pid)
        for name, child in state.children.items()
        if child.pid and same_process_alive(child.pid, child.create_time)
    ]
    if leftovers:
        result["was_running"] = True
        how = stop_groups(leftovers, int_timeout_s=timeout, term_timeout_s=timeout / 2)
        for target in leftovers:
            child = state.children[target.name]
            child.state, child.stopped_by, child.ended_at = "stopped", how.get(target.name), time.time()
    result["children"] = {name: child.stopped_by or child.state for name, child in state.children.items()}
    broker = state.broker or {}
    if broker.get("mode") == "external":
        result["broker"] = "external (untouched)"
    elif broker.get("owned"):
        current = broker_status(home)
        if current.get("instance_id") == broker.get("instance_id") and current["state"] != "absent":
            stop_broker(home)
            result["was_running"] = True
        result["broker"] = "stopped"
        broker["state"] = "stopped"
    else:
        result["broker"] = "left running (not started by ghintel up)" if broker else "none"
    result["drain"] = state.drain
    state.phase = "stopped"
    write_state(home, state)
    return result
