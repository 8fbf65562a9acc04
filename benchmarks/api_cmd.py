"""``ghintel bench api``: the API under concurrent load next to the same queries run directly."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from benchmarks.output import print_json

console = Console()


def bench_api(
    events: Annotated[int, typer.Option(help="Minimum events in the replayed lake")] = 1_000_000,
    seconds: Annotated[float, typer.Option(help="Load duration per endpoint")] = 15.0,
    concurrency: Annotated[int, typer.Option(help="Concurrent HTTP clients")] = 32,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
    client_processes: Annotated[int, typer.Option(help="OS processes the clients are spread over")] = 2,
    home: Annotated[Path | None, typer.Option(help="GHINTEL_HOME of the bench lake")] = None,
    source_dir: Annotated[Path | None, typer.Option(help="Folder with the GH Archive hours")] = None,
    rebuild: Annotated[bool, typer.Option(help="Rebuild the lake even if one exists")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary only")] = False,
) -> None:
    """Serve the API on a free port and load it with concurrent clients; compare with direct DuckDB."""
    from benchmarks.api import (
        GOAL_MS,
        build_amplified_lake,
        cases_of,
        default_source_dir,
        direct_timings,
        load_test,
        start_server,
    )
    from ghintel_api.core.lake import Lake
    from ghintel_pipeline.lib.kafka.broker import free_port
    from ghintel_pipeline.lib.settings import Settings

    base = Settings()
    bench_home = (home or base.home / "bench" / "api").expanduser().resolve()
    settings = Settings(ghintel_home=bench_home, ghintel_lake_root=None)
    lake_info = build_amplified_lake(settings, source_dir or default_source_dir(), events, rebuild=rebuild)

    lake = Lake(settings)
    lake.open()
    cases = cases_of(lake)
    direct = direct_timings(lake, cases, iterations=200)
    lake.close()

    # Two runs: the response cache off (every request runs its queries) and on (repeated URLs are
    # answered from memory until a table version changes), so neither figure hides the other.
    http: dict[str, dict] = {}
    for mode, cache_mb in (("no_cache", 0), ("cache", 64)):
        port = free_port()
        server = start_server(bench_home, port, workers, cache_mb, concurrency)
        try:
            http[mode] = {}
            for case in cases:
                if not as_json:
                    console.print(f"[{mode}] {case.name}: {seconds:g} s with {concurrency} clients ...")
                http[mode][case.name] = load_test(
                    f"http://127.0.0.1:{port}", case, concurrency, seconds, client_processes
                )
        finally:
            server.terminate()
            server.wait(timeout=30)

    summary = {
        "lake": lake_info,
        "concurrency": concurrency,
        "seconds_per_endpoint": seconds,
        "workers": workers,
        "client_processes": client_processes,
        "cpus": os.cpu_count(),
        "http": http,
        "direct_duckdb": direct,
        "goal_p99_ms": GOAL_MS,
        # other processes compete for the same cores; without this the figures can't be read
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }
    if as_json:
        print_json(summary)
        return
    console.print(
        f"lake: {lake_info['events']:,} events, {lake_info['label']}"
        f"{' (reused)' if lake_info.get('reused') else ''}"
    )
    for mode, rows in http.items():
        title = "response cache OFF" if mode == "no_cache" else "response cache ON (64 MB)"
        table = Table(title=f"{title}: {concurrency} concurrent clients, {seconds:g} s per endpoint")
        for col in (
            "endpoint",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "non-200",
            "direct p50",
            "direct p99",
            "p99 goal",
        ):
            table.add_column(col)
        for name, row in rows.items():
            d = direct.get(name, {})
            goal = "" if name not in direct else ("met" if row["p99"] <= GOAL_MS else "MISSED")
            table.add_row(
                name,
                str(row["rps"]),
                str(row["p50"]),
                str(row["p95"]),
                str(row["p99"]),
                str(row["non_200"]),
                str(d.get("p50", "-")),
                str(d.get("p99", "-")),
                goal,
            )
        console.print(table)
    console.print("direct = the same query functions run sequentially in this process on the same lake")
    console.print(
        f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        "(the load generator runs on the same machine as the server)"
    )
