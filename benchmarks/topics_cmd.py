"""``ghintel bench topics``: publishing overhead on the ingest and raw -> clean latency."""

from __future__ import annotations

from typing import Annotated

import typer

from benchmarks.output import AsJson, HourFiles, figures_table, progress


def bench_topics(
    files: HourFiles = None,
    amplify: Annotated[int, typer.Option(min=1, help="Copies of each hour (shifted ids/times).")] = 1,
    rate: Annotated[float, typer.Option(min=1, help="Events/s produced during the latency phase.")] = 2000.0,
    as_json: AsJson = False,
) -> None:
    """Ingest events/s with and without publishing (same run), and p50/p95 clean-event latency."""
    from rich.console import Console

    from benchmarks.data import hours_or_shared
    from benchmarks.topics import run_topics_bench, to_json

    files = hours_or_shared(files)
    result = run_topics_bench(files, amplify=amplify, rate=rate, say=progress())
    if as_json:
        typer.echo(to_json(result))
        return
    table = figures_table(
        f"ingest with/without publishing: {', '.join(result['files'])}",
        ("run", "events", "published", "seconds", "events/s", "CPU s"),
    )
    for name, key in (
        ("baseline: ingest, publishing off", "without_publishing"),
        ("ingest + publish", "with_publishing"),
    ):
        fig = result[key]
        table.add_row(
            name,
            f"{fig['events']:,}",
            f"{fig['published']:,}",
            f"{fig['seconds']:.2f}",
            f"{fig['events_per_s']:,}",
            f"{fig['cpu_seconds']:.1f}",
        )
    out = Console()
    out.print(table)
    out.print(f"with / without publishing speed ratio: {result['ratio_with_vs_without']:.2f}x")
    live = result["live"]
    latency = figures_table(
        f"live: {live['events_produced']:,} events at {live['rate_per_s']:,.0f}/s",
        ("latency", "messages", "p50 s", "p95 s", "max s"),
    )
    for name, key in (
        ("raw record -> clean record", "raw_to_clean"),
        ("silver commit -> clean record", "silver_commit_to_clean"),
    ):
        fig = live[key]
        latency.add_row(
            name, f"{fig['count']:,}", str(fig.get("p50_s")), str(fig.get("p95_s")), str(fig.get("max_s"))
        )
    out.print(latency)
    out.print(
        f"{result['cpu_count']} CPUs, load average {result['load_average']}"
        " (goal: a clean event within 5 s of its silver commit)"
    )
