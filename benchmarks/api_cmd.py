"""``ghintel bench api``: the API under ``wrk`` load next to its same-run floors.

Floors measured in the same run: the same requests' query functions called directly (no HTTP), and
``wrk`` against ``/health`` (the whole middleware stack, no query). Two servers: the response cache
off over thousands of distinct URLs per route (every request runs its queries), and on over a few
hundred URLs per route after a warm-up pass (answers from memory).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from benchmarks.output import print_json

console = Console()
GOALS_P99_MS = {"mix": 50.0, "events": 100.0}
MODES = {"uncached": (0, 3000), "cached": (64, 200)}  # response cache MB, distinct URLs per route


def _interleave(lists: list[list[str]]) -> list[str]:
    return [x for group in zip(*lists, strict=False) for x in group]


def _run_mode(
    home: Path,
    mode: str,
    cache_mb: int,
    plan: dict[str, list],
    workers: int,
    connections: int,
    seconds: float,
    quiet: bool,
) -> dict[str, dict]:
    """One server (response cache of ``cache_mb``): the /health floor, each route, then the mix."""
    from benchmarks.api import start_server
    from benchmarks.wrk import run_wrk
    from ghintel_pipeline.lib.kafka.broker import free_port

    port = free_port()
    server = start_server(home, port, workers, cache_mb, connections)
    paths = {name: [url for url, _ in reqs] for name, reqs in plan.items()}
    paths["mix"] = _interleave(list(paths.values()))

    def load(name: str, urls: list[str], duration: float = seconds) -> dict:
        if not quiet:
            console.print(f"[{mode}] {name}: wrk {duration:g} s, {connections} connections, {len(urls)} URLs")
        result = run_wrk(
            f"http://127.0.0.1:{port}", urls, connections=connections, seconds=duration, server_pid=server.pid
        )
        return result.as_dict()

    try:
        rows = {"health (HTTP floor)": load("health", ["/health"])}
        if mode == "cached":
            load("warm-up", paths["mix"], max(3.0, seconds / 2))
        for name, urls in paths.items():
            rows[name] = load(name, urls)
        return rows
    finally:
        server.terminate()
        server.wait(timeout=30)


def bench_api(
    events: Annotated[int, typer.Option(help="Minimum events in the replayed lake")] = 1_000_000,
    seconds: Annotated[float, typer.Option(help="wrk duration per route")] = 10.0,
    connections: Annotated[int, typer.Option(help="Open wrk connections")] = 32,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 2,
    home: Annotated[Path | None, typer.Option(help="GHINTEL_HOME of the bench lake")] = None,
    source_dir: Annotated[Path | None, typer.Option(help="Folder with the GH Archive hours")] = None,
    rebuild: Annotated[bool, typer.Option(help="Rebuild the lake even if one exists")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary only")] = False,
) -> None:
    """Serve the API on a free port and load it with wrk; compare with direct queries and /health."""
    from benchmarks.api import build_amplified_lake, cases_of, default_source_dir, direct_timings
    from benchmarks.wrk import wrk_binary
    from ghintel_api.core.lake import Lake
    from ghintel_pipeline.lib.settings import Settings

    wrk_binary()
    base = Settings()
    bench_home = (home or base.home / "bench" / "api").expanduser().resolve()
    settings = Settings(ghintel_home=bench_home, ghintel_lake_root=None)
    lake_info = build_amplified_lake(settings, source_dir or default_source_dir(), events, rebuild=rebuild)

    lake = Lake(settings)
    lake.open()
    cases = cases_of(lake)
    plans = {mode: {c.name: c.requests(n) for c in cases} for mode, (_, n) in MODES.items()}
    direct = {name: direct_timings(lake, reqs[:300]) for name, reqs in plans["uncached"].items()}
    direct["mix"] = direct_timings(lake, _interleave(list(plans["uncached"].values()))[:600])
    lake.close()

    http = {
        mode: _run_mode(bench_home, mode, cache_mb, plans[mode], workers, connections, seconds, as_json)
        for mode, (cache_mb, _) in MODES.items()
    }

    summary = {
        "lake": lake_info,
        "connections": connections,
        "seconds_per_route": seconds,
        "workers": workers,
        "cpus": os.cpu_count(),
        "http": http,
        "direct_ms": direct,
        "goals_p99_ms": GOALS_P99_MS,
        # other processes compete for the same cores; without this the figures can't be read
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }
    if as_json:
        print_json(summary)
        return
    _print(summary)


def _print(summary: dict) -> None:
    lake = summary["lake"]
    reused = " (reused)" if lake.get("reused") else ""
    console.print(f"lake: {lake['events']:,} events, {lake['label']}{reused}")
    direct = summary["direct_ms"]
    for mode, rows in summary["http"].items():
        urls = "thousands of distinct URLs, response cache off" if mode == "uncached" else "cache on, warmed"
        table = Table(
            title=f"{mode} ({urls}): wrk, {summary['connections']} connections, {summary['workers']} workers"
        )
        cols = ("route", "req/s", "p50", "p90", "p99", "max", "errors", "wrk CPU", "server CPU", "CPU ms/req")
        for col in (*cols, "direct p50", "direct p99", "direct CPU ms", "p99 / direct p99", "goal"):
            table.add_column(col)
        for name, r in rows.items():
            d = direct.get(name, {})
            goal = GOALS_P99_MS.get(name) if mode == "uncached" else None
            table.add_row(
                name,
                f"{r['rps']:.0f}",
                *(f"{r[k]:.1f}" for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms")),
                str(r["errors"]),
                f"{r['client_cpu']:.0%}",
                f"{r['server_cpu']:.0%}",
                f"{r['server_cpu_ms_per_request']:.1f}",
                str(d.get("p50", "-")),
                str(d.get("p99", "-")),
                str(d.get("cpu_ms_mean", "-")),
                f"{r['p99_ms'] / d['p99']:.1f}x" if d.get("p99") else "-",
                "" if goal is None else f"<= {goal:g} {'met' if r['p99_ms'] <= goal else 'MISSED'}",
            )
        console.print(table)
    console.print(
        "ms throughout; direct = the same requests' query functions run one at a time in this process "
        "(the query floor); health = wrk on /health through the whole middleware stack (the HTTP floor); "
        "CPU = CPU seconds per wall second (100% = one core); CPU ms/req = server CPU per answered request; "
        "direct CPU ms = the bench process's CPU per direct request (both distorted least by other load)"
    )
    console.print(
        f"load average (1 min) at the end: {summary['load_average_1m_at_end']:.1f} on {summary['cpus']} CPUs "
        "(wrk runs on the same machine as the server)"
    )
