"""Child processes in their own process groups: spawn, identify, stop with escalation.

Every child gets its own session (``start_new_session``) so that a terminal's Ctrl-C reaches only the
supervisor, which then stops the children in order, and so that one ``killpg`` also reaches the
grandchildren (Dagster's code server, run workers). A pid alone is not an identity (pids are reused);
the pair (pid, create_time) is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil

from ghintel_pipeline.lib.polling import poll_until


def create_time(pid: int) -> float | None:
    """When ``pid`` started (psutil's clock), or None when no such process is alive."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc.create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def same_process_alive(pid: int | None, started: float | None) -> bool:
    """True when ``pid`` is alive and is still the process that started at ``started``."""
    if not pid:
        return False
    now = create_time(pid)
    if now is None:
        return False
    return started is None or abs(now - started) < 1.0


def group_alive(pgid: int) -> bool:
    """Whether a live (non-zombie) process is still in the process group.

    Zombies do not count: an orphaned grandchild stays a zombie until init reaps it, which can take
    a second, and it would otherwise look like a process that ignores our signals.
    """
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                return True
        except (ProcessLookupError, psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return False


def connect_host(host: str) -> str:
    """The address to probe a server bound to ``host`` (a wildcard bind answers on loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    log_file: Path,
    cwd: Path | None = None,
    stdout: IO[bytes] | None = None,
) -> subprocess.Popen:
    """Start ``argv`` in a new session, stdout+stderr appended to ``log_file``, stdin closed.

    With ``stdout`` given, only stderr goes to the log (for a child whose stdout is its answer)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log_file, "ab") as log:
        log.write(f"\n=== {time.strftime('%Y-%m-%dT%H:%M:%S%z')} start: {' '.join(argv)}\n".encode())
        log.flush()
        return subprocess.Popen(
            list(argv),
            stdout=log if stdout is None else stdout,
            stderr=subprocess.STDOUT if stdout is None else log,
            stdin=subprocess.DEVNULL,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )


@dataclass
class Target:
    """A process group to stop; ``popen`` is set when we are its parent (so we can reap it)."""

    name: str
    pgid: int
    popen: subprocess.Popen | None = None

    def leader_alive(self) -> bool:
        if self.popen is not None:
            return self.popen.poll() is None
        return create_time(self.pgid) is not None

    def reap(self) -> None:
        if self.popen is not None:
            self.popen.poll()
        else:
            try:
                os.waitpid(self.pgid, os.WNOHANG)
            except ChildProcessError:
                pass


def _signal_all(targets: Iterable[Target], sig: int, *, leaders_only: bool = False) -> None:
    for target in targets:
        try:
            if leaders_only and target.leader_alive():
                os.kill(target.pgid, sig)
            else:
                os.killpg(target.pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _wait_gone(targets: list[Target], timeout_s: float) -> list[Target]:
    def alive() -> list[Target]:
        for target in targets:
            target.reap()
        return [t for t in targets if group_alive(t.pgid)]

    poll_until(lambda: not alive(), timeout_s=timeout_s, interval_s=0.05)
    return alive()


def stop_groups(
    targets: Sequence[Target], *, int_timeout_s: float = 10.0, term_timeout_s: float = 5.0
) -> dict:
    """Stop process groups: SIGINT to each leader, then SIGTERM to the groups, then SIGKILL.

    The first SIGINT goes to the leader only, as a parent that shuts its own children down in order
    expects (Dagster's webserver and daemon stop their code servers, which ignore SIGINT on purpose);
    the escalations hit the whole group. Returns ``{name: "SIGINT" | "SIGTERM" | "SIGKILL"}``, the
    signal that ended each group. All targets are signalled together so that stopping N children
    costs one timeout, not N.
    """
    how: dict[str, str] = {}
    left = list(targets)
    steps = (
        (signal.SIGINT, int_timeout_s, True),
        (signal.SIGTERM, term_timeout_s, False),
        (signal.SIGKILL, 5.0, False),
    )
    for sig, timeout, leaders_only in steps:
        if not left:
            break
        _signal_all(left, sig, leaders_only=leaders_only)
        still = _wait_gone(left, timeout)
        for target in left:
            if target not in still:
                how[target.name] = signal.Signals(sig).name
        left = still
    for target in left:
        how[target.name] = "unkillable"
    return how


def tail(path: Path, lines: int = 5, max_bytes: int = 16_384) -> list[str]:
    """The last ``lines`` non-empty lines of a log file (cheap: reads only its end)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if line.strip()][-lines:]
