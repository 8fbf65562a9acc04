"""``$GHINTEL_HOME/platform/state.json``: what ``ghintel up`` started, so other commands find it.

The supervisor is the only writer (atomic replace); ``status`` and ``down`` read it and check each
recorded process by (pid, create_time) so that a reused pid is never mistaken for a child.
A lock file held by the running supervisor tells reliably whether one is running.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ghintel_pipeline.lib.platform.process import same_process_alive
from ghintel_pipeline.lib.records import AsDict


def platform_dir(home: Path) -> Path:
    return home / "platform"


def state_path(home: Path) -> Path:
    return platform_dir(home) / "state.json"


def lock_path(home: Path) -> Path:
    return platform_dir(home) / "supervisor.lock"


def logs_dir(home: Path) -> Path:
    return home / "logs"


@dataclass
class ChildState:
    name: str
    argv: list[str]
    log: str
    kind: str  # "service" (runs until stopped) or "job" (may finish, e.g. a GH Archive replay)
    pid: int | None = None
    create_time: float | None = None
    port: int | None = None
    url: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    returncode: int | None = None
    state: str = "pending"  # pending | starting | running | exited | failed | stopped
    ready: bool = False
    stopped_by: str | None = None
    message: str | None = None
    last_lines: list[str] = field(default_factory=list)


@dataclass
class PlatformState(AsDict):
    phase: str = "stopped"  # starting | running | stopping | draining | stopped | failed
    detached: bool = False
    supervisor_pid: int | None = None
    supervisor_create_time: float | None = None
    started_at: float | None = None
    updated_at: float | None = None
    services: list[str] = field(default_factory=list)
    source: str | None = None
    broker: dict = field(default_factory=dict)
    dagster_home: str | None = None
    children: dict[str, ChildState] = field(default_factory=dict)
    error: str | None = None
    rebased: dict | None = None  # offsets re-based after starting a fresh embedded broker
    drain: dict | None = None  # the last drain of the embedded broker into the lake (on stop)

    def pages(self) -> dict[str, str]:
        """The pages a person opens, by what they are (printed by ``ghintel up``)."""
        out = {}
        api = self.children.get("api")
        if api is not None and api.url:
            out["explorer"] = f"{api.url}/ui"
            out["API docs"] = f"{api.url}/docs"
        dagster = self.children.get("dagster-webserver")
        if dagster is not None and dagster.url:
            out["Dagster"] = dagster.url
        return out

    @classmethod
    def from_dict(cls, data: dict) -> PlatformState:
        fields = ChildState.__dataclass_fields__
        children = {
            name: ChildState(**{k: v for k, v in child.items() if k in fields})
            for name, child in (data.get("children") or {}).items()
        }
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "children"}
        return cls(children=children, **known)

    def supervisor_alive(self) -> bool:
        return same_process_alive(self.supervisor_pid, self.supervisor_create_time)


def read_state(home: Path) -> PlatformState | None:
    path = state_path(home)
    try:
        return PlatformState.from_dict(json.loads(path.read_text()))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError):
        # A torn or foreign file: treat as "nothing known" rather than failing every command.
        return None


def write_state(home: Path, state: PlatformState) -> None:
    path = state_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    state.updated_at = time.time()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state.to_dict(), indent=2))
    os.replace(tmp, path)


class SupervisorLock:
    """An exclusive ``flock`` held for the supervisor's lifetime (released by the kernel if it dies)."""

    def __init__(self, home: Path):
        self.path = lock_path(home)
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def supervisor_running(home: Path) -> bool:
    """True when some process holds the supervisor lock."""
    lock = SupervisorLock(home)
    if lock.acquire():
        lock.release()
        return False
    return True
