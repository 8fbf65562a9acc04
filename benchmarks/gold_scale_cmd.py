"""``ghintel bench gold-scale``: the minute loop at 6 h .. 7 d of amplified history."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from benchmarks.output import AsJson, HourFiles, run_and_show

if TYPE_CHECKING:
    from rich.console import Console


def bench_gold_scale(
    files: HourFiles = None,
    sizes: Annotated[
        str, typer.Option(help="History sizes in hours, comma-separated (a fresh lake each).")
    ] = "6,24,72,168",
    events_per_hour: Annotated[
        int, typer.Option(min=1000, help="Amplified events per history hour.")
    ] = 150_000,
    minute_events: Annotated[int, typer.Option(min=1, help="Events in the measured minute.")] = 3_000,
    baseline: Annotated[bool, typer.Option(help="Also rebuild the dims in full at each size.")] = True,
    workdir: Annotated[
        Path | None,
        typer.Option(
            help="Folder kept between runs: the silver history of each size is saved there and "
            "reused by later runs with the same --events-per-hour (default: a temporary folder)."
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Seconds of one minute bronze -> silver -> gold per history size, with same-run baselines."""
    from benchmarks.data import hours_or_shared
    from benchmarks.gold_scale import run_gold_scale_bench

    run_and_show(
        run_gold_scale_bench,
        as_json,
        _render,
        hours_or_shared(files),
        sizes_hours=[int(s) for s in sizes.split(",") if s.strip()],
        events_per_hour=events_per_hour,
        minute_events=minute_events,
        baseline=baseline,
        workdir=workdir,
    )


def _render(result: dict, out: Console) -> None:
    from rich.table import Table

    from benchmarks.gold_scale import DIM_MODELS

    title = f"minute loop: {result['minute_events']:,} events, {result['events_per_hour']:,}/h history"
    table = Table(title=title)
    columns = (
        "history",
        "events",
        "bronze s",
        "silver s",
        "gold s",
        "gold CPU s",
        "total s",
        "dims s (merge)",
        "baseline: dims full s",
        "ratio",
        "baseline: duckdb minute s",
        "slowest models (s)",
    )
    for column in columns:
        table.add_column(column, justify="left" if column.startswith("slowest") else "right")
    for row in result["sizes"]:
        m = row["minute"]
        full = row.get("baseline_dims_full_rebuild")
        full_s = sum(full["models"].get(d, 0.0) for d in DIM_MODELS) if full else None
        slow = ", ".join(f"{k} {v:.2f}" for k, v in list(m["slowest_models"].items())[:4])
        table.add_row(
            f"{row['history_hours']} h",
            f"{row['history_events']:,}",
            f"{m['bronze_seconds']:.2f}",
            f"{m['silver_seconds']:.2f}",
            f"{m['gold_seconds']:.2f}",
            f"{m['gold_cpu_seconds']:.2f}",
            f"{m['total_seconds']:.2f}",
            f"{row.get('dims_incremental_seconds', 0):.2f}",
            f"{full_s:.2f}" if full_s is not None else "",
            f"{row['ratio_dims_full_vs_incremental']}x" if row.get("ratio_dims_full_vs_incremental") else "",
            f"{row['baseline_minute_duckdb']['seconds']:.3f}",
            slow,
        )
    out.print(table)
    out.print(
        f"note: {result['label']}; gold = build_gold (plan, dbt build in-process, Delta export); "
        f"{result['cpu_count']} CPUs, load average {result['load_average']}"
    )
