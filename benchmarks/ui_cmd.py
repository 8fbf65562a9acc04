"""``ghintel bench ui``: data time of every explorer page on the 1M-event lake vs its JSON routes."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from benchmarks.output import figures_table, print_json

console = Console(width=120)


def bench_ui(
    events: Annotated[int, typer.Option(help="Minimum events in the replayed lake")] = 1_000_000,
    iterations: Annotated[int, typer.Option(help="Requests per page")] = 50,
    home: Annotated[Path | None, typer.Option(help="GHINTEL_HOME of the bench lake")] = None,
    source_dir: Annotated[Path | None, typer.Option(help="Folder with the GH Archive hours")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary only")] = False,
) -> None:
    """Data time of every explorer page (goal p95 <= 100 ms) against the JSON routes with the same numbers."""
    from fastapi.testclient import TestClient

    from benchmarks.api import build_amplified_lake, default_source_dir
    from benchmarks.ui import GOAL_MS, cases_of, measure, timed
    from ghintel_api.main import create_app
    from ghintel_pipeline.lib.settings import Settings

    base = Settings()
    bench_home = (home or base.home / "bench" / "api").expanduser().resolve()
    settings = Settings(
        ghintel_home=bench_home,
        ghintel_lake_root=None,
        ghintel_api_keys="",
        ghintel_api_rate_limit="0",
        ghintel_api_response_cache_mb=0,
    )
    lake_info = build_amplified_lake(settings, source_dir or default_source_dir(), events, rebuild=False)
    with TestClient(create_app(settings)) as client:
        cases = cases_of(client)
        for case in cases:  # warm-up: first queries of a table pay for DuckDB's own caches
            timed(client, case.urls(random.Random(0))[0])
        pages = measure(client, cases, iterations)
    summary = {
        "lake": lake_info,
        "iterations": iterations,
        "pages": pages,
        "goal_data_p95_ms": GOAL_MS,
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
    }
    if as_json:
        print_json(summary)
        return
    table = figures_table(
        f"explorer pages on {lake_info['events']:,} events, {iterations} requests each",
        ("page", "data p50", "data p95", "page p50", "page p95", "JSON p50", "page/JSON", "goal"),
    )
    for name, row in pages.items():
        goal = "met" if row["data"]["p95"] <= GOAL_MS else "MISSED"
        table.add_row(
            name,
            *(str(row[k][q]) for k in ("data", "page") for q in ("p50", "p95")),
            str(row["json_baseline"]["p50"]),
            str(row["page_over_json_p50"]),
            goal,
        )
    console.print(table)
    console.print(
        "ms; data = Server-Timing of the page (its query functions); page = whole HTML response in-process; "
        "JSON = the routes with the same numbers, summed"
    )
    console.print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
