"""``ghintel bench ingest``: lakehouse throughput (GH Archive file -> silver, Kafka -> bronze -> silver)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from benchmarks.output import AsJson, figures_table, print_json, progress


def bench_ingest(
    files: Annotated[
        list[Path] | None, typer.Argument(help="GH Archive hour files; default: the shared 2015 hours.")
    ] = None,
    amplify: Annotated[
        int, typer.Option(min=1, help="Copies of each hour (amplified replay, shifted ids/times).")
    ] = 10,
    kafka: Annotated[
        bool, typer.Option(help="Also produce to Kafka and time Kafka -> bronze -> silver.")
    ] = True,
    bootstrap: Annotated[
        str | None,
        typer.Option(help="Use this Kafka cluster (a fresh topic) instead of a private embedded broker."),
    ] = None,
    duckdb: Annotated[
        bool, typer.Option(help="Time DuckDB read_json on the same files as a baseline.")
    ] = True,
    as_json: AsJson = False,
) -> None:
    """Events/s and peak RSS of the lakehouse paths, next to DuckDB's read_json on the same files."""
    from rich.console import Console

    from benchmarks.data import hours_or_shared
    from benchmarks.ingest import run_ingest_bench

    files = hours_or_shared(files)
    result = run_ingest_bench(
        files,
        amplify=amplify,
        kafka=kafka,
        bootstrap=bootstrap,
        duckdb=duckdb,
        say=progress(),
    )
    if as_json:
        print_json(result)
        return
    table = figures_table(
        f"lakehouse ingest: {', '.join(result['files'])}",
        ("path", "events", "seconds", "events/s", "events/CPU-s", "peak RSS MB"),
    )

    def row(name: str, fig: dict | None) -> None:
        if fig:
            table.add_row(
                name,
                f"{fig['events']:,}",
                f"{fig['seconds']:.2f}",
                f"{fig['events_per_s']:,}",
                f"{fig['events_per_cpu_s']:,}" if "events_per_cpu_s" in fig else "",
                str(fig.get("peak_rss_mb", "")),
            )

    if "duckdb_read_json" in result:
        row("baseline: duckdb read_json", result["duckdb_read_json"])
    row("file -> bronze -> silver (original hours)", result["file_to_silver"].get("original"))
    row(f"file -> bronze -> silver (amplified x{amplify})", result["file_to_silver"].get("amplified"))
    if "kafka" in result:
        k = result["kafka"]
        row("produce to Kafka (RawEventProducer)", k["produce"])
        row("Kafka -> bronze -> silver (one run_ingest)", k["kafka_to_silver"])
        row("  Kafka -> bronze (overlaps the line below)", k["kafka_to_bronze"])
        row("  bronze -> silver (worker thread)", k["bronze_to_silver"])
    out = Console()
    out.print(table)
    out.print(f"note: {result['note']}; {result['cpu_count']} CPUs, load average {result['load_average']}")
    if "ratio_file_to_silver_vs_duckdb" in result:
        out.print(
            f"file -> silver / duckdb read_json speed ratio: {result['ratio_file_to_silver_vs_duckdb']:.2f}x"
            f" (per CPU-second: {result.get('ratio_file_to_silver_vs_duckdb_per_cpu_s', 'n/a')}x)"
        )
