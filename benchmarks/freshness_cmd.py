"""``ghintel bench freshness``: seconds from an event's delivery to Kafka until the API shows it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from benchmarks.output import AsJson, figures_table, run_and_show

if TYPE_CHECKING:
    from rich.console import Console


def bench_freshness(
    sensor_interval: Annotated[
        int,
        typer.Option(min=5, help="Sensor interval of the private platform (s); also the mean round spacing."),
    ] = 60,
    events: Annotated[int, typer.Option(min=1, max=99, help="Events per round.")] = 3,
    rounds: Annotated[int, typer.Option(min=1, help="Measured rounds (after one warm-up round).")] = 5,
    reuse: Annotated[
        bool, typer.Option(help="Measure the platform running for GHINTEL_HOME instead of a private one.")
    ] = False,
    source: Annotated[
        Path | None,
        typer.Option(help="GH Archive hour to take event shapes from; default: a shared 2015 hour."),
    ] = None,
    keep_running: Annotated[
        bool, typer.Option(help="Leave the private platform running afterwards.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Delivery -> visible in the API (silver /events and gold /org summary): p50/p95 and where the time goes.

    Starts a private platform (own home under $GHINTEL_HOME/bench/freshness, free ports) unless --reuse,
    produces synthetic copies of real events at random moments and reads the Dagster runs' timings.
    """
    from benchmarks.freshness import run_freshness_bench
    from ghintel_pipeline.lib.settings import Settings

    run_and_show(
        run_freshness_bench,
        as_json,
        _render,
        Settings(),
        sensor_interval_s=sensor_interval,
        events=events,
        rounds=rounds,
        reuse=reuse,
        source=source,
        keep_running=keep_running,
    )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _render(result: dict, out: Console) -> None:
    from benchmarks.freshness_runs import SEGMENT_NAMES

    latency = figures_table(
        f"freshness: {result['probes']} events, sensor interval {result['sensor_interval_s']}s",
        ("visible in", "n", "p50 s", "p95 s", "max s", "mean s"),
    )
    for label, key in (("silver (/events)", "silver_latency_s"), ("gold (/org summary)", "gold_latency_s")):
        fig = result[key]
        latency.add_row(
            label, str(fig["n"]), _fmt(fig["p50"]), _fmt(fig["p95"]), _fmt(fig["max"]), _fmt(fig["mean"])
        )
    out.print(latency)

    parts = figures_table(
        "where the time goes (delivery -> gold visible), per event", ("segment", "p50 s", "p95 s", "mean s")
    )
    for name, fig in result["gold_breakdown_s"].items():
        parts.add_row(SEGMENT_NAMES.get(name, name), _fmt(fig["p50"]), _fmt(fig["p95"]), _fmt(fig["mean"]))
    out.print(parts)

    columns = (
        "run_id",
        "status",
        "queue_s",
        "startup_s",
        "ingest_s",
        "checks_s",
        "gold_s",
        "total_s",
    )
    runs = figures_table("ingest runs (Dagster instance)", columns, names=2)
    for row in result["runs"]:
        runs.add_row(*(str(row[c]) if row[c] is not None else "-" for c in columns))
    out.print(runs)
    if result["not_visible_in_gold"]:
        out.print(f"[red]{result['not_visible_in_gold']} event(s) never became visible in gold[/red]")
    out.print(f"goal: p95 <= 90 s; warm-up (first gold build) {_fmt(result['warmup_gold_latency_s'])} s")
