"""Load from ``wrk`` (C, Debian package): the client must not starve the server it measures.

Python load generators on the same two cores reported p99 150-300 ms for answers ``wrk`` measures
at 9 ms. Each run cycles over a file of request paths (``wrk_urls.lua``), and reports the client's
and the server's CPU time next to the latencies, so a starved run can be told from a slow server.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("wrk_urls.lua")
_TICKS = os.sysconf("SC_CLK_TCK")


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed (Debian package `wrk`; .ci/run installs it)")
    return found


def process_tree_cpu_s(root: int) -> float:
    """User + system CPU seconds of ``root`` and every live descendant (uvicorn workers)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / _TICKS
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0.0) for pid in tree)


@dataclass
class WrkResult:
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # non-2xx answers + socket errors + timeouts
    client_cpu: float  # wrk's CPU seconds / wall seconds (1.0 = one core busy)
    server_cpu: float  # the server process tree's CPU seconds / wall seconds

    @property
    def server_cpu_ms_per_request(self) -> float:
        """Server CPU milliseconds per answered request: the figure a busy machine distorts least."""
        return self.server_cpu * 1000 / self.rps if self.rps else 0.0

    def as_dict(self) -> dict:
        out = {k: round(v, 2) if isinstance(v, float) else v for k, v in self.__dict__.items()}
        return {**out, "server_cpu_ms_per_request": round(self.server_cpu_ms_per_request, 2)}


def run_wrk(
    base_url: str, paths: list[str], *, connections: int, seconds: float, server_pid: int, threads: int = 2
) -> WrkResult:
    """``wrk`` for ``seconds`` with ``connections`` open connections over ``paths`` (cycled)."""
    with tempfile.TemporaryDirectory(prefix="ghintel-wrk-") as tmp:
        url_file = Path(tmp) / "urls.txt"
        url_file.write_text("\n".join(paths) + "\n")
        cmd = [
            wrk_binary(),
            f"-t{min(threads, connections)}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(SCRIPT),
            base_url,
            "--",
            str(url_file),
        ]
        server_before, started = process_tree_cpu_s(server_pid), time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        server_cpu = process_tree_cpu_s(server_pid) - server_before
        out = proc.stdout.read().decode() if proc.stdout else ""
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {out[-500:]}")
    line = next(x for x in reversed(out.splitlines()) if x.startswith("{"))
    figures = json.loads(line)
    duration_s = figures["duration_us"] / 1e6
    errors = sum(figures[k] for k in ("non_2xx", "connect_errors", "read_errors", "write_errors", "timeouts"))
    return WrkResult(
        requests=figures["requests"],
        rps=figures["requests"] / duration_s,
        p50_ms=figures["p50_us"] / 1000,
        p90_ms=figures["p90_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        errors=errors,
        client_cpu=(usage.ru_utime + usage.ru_stime) / wall,
        server_cpu=server_cpu / wall,
    )
