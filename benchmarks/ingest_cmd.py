"""``ghintel bench ingest``: lakehouse throughput (GH Archive file -> silver, Kafka -> bronze -> silver)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from benchmarks.output import AsJson, HourFiles, figures_table, run_and_show

if TYPE_CHECKING:
    from rich.console import Console


def bench_ingest(
    files: HourFiles = None,
    hours: Annotated[
        int,
        typer.Option(min=0, help="Amplified 2025-shaped hours (>= 150k events each) built from the files."),
    ] = 1,
    kafka: Annotated[
        bool,
        typer.Option(help="Also produce the amplified hours to Kafka and time Kafka -> bronze -> silver."),
    ] = True,
    bootstrap: Annotated[
        str | None,
        typer.Option(help="Use this Kafka cluster (a fresh topic) instead of a private embedded broker."),
    ] = None,
    duckdb: Annotated[
        bool,
        typer.Option(help="Time DuckDB reading the same files (typed columns, auto-detect) as baselines."),
    ] = True,
    as_json: AsJson = False,
) -> None:
    """Events/s, events per CPU-second and peak RSS of the lakehouse paths, next to DuckDB reading
    the same files with typed columns in the same run."""
    from benchmarks.data import hours_or_shared
    from benchmarks.ingest import run_ingest_bench

    run_and_show(
        run_ingest_bench,
        as_json,
        _render,
        hours_or_shared(files),
        hours=hours,
        kafka=kafka,
        bootstrap=bootstrap,
        duckdb=duckdb,
    )


def _render(result: dict, out: Console) -> None:
    table = figures_table(
        f"lakehouse ingest: {', '.join(result['files'])}",
        ("path", "events", "seconds", "events/s", "events/CPU-s", "peak RSS MB (at start)"),
    )

    def row(name: str, fig: dict | None) -> None:
        if fig:
            table.add_row(
                name,
                f"{fig['events']:,}",
                f"{fig['seconds']:.2f}",
                f"{fig['events_per_s']:,}",
                f"{fig['events_per_cpu_s']:,}" if "events_per_cpu_s" in fig else "",
                _rss(fig),
            )

    row("baseline: duckdb read_ndjson, typed columns (real hours)", result.get("duckdb_typed_original"))
    row("baseline: duckdb read_json, auto-detect (real hours)", result.get("duckdb_auto_original"))
    row("file -> bronze -> silver (real hours)", result.get("file_to_silver_original"))
    row("baseline: duckdb read_ndjson, typed columns (amplified)", result.get("duckdb_typed_amplified"))
    row("file -> bronze -> silver (amplified 2025-shaped)", result.get("file_to_silver_amplified"))
    hours = result.get("backfill_hours_amplified")
    workers = hours["workers"] if hours else 2
    row(f"multi-hour backfill, {workers} worker processes (amplified)", hours)
    if "kafka" in result:
        k = result["kafka"]
        row("produce amplified hours to Kafka (RawEventProducer)", k["produce"])
        row("Kafka -> bronze -> silver (one run_ingest, amplified)", k["kafka_to_silver"])
        row("  Kafka -> bronze (overlaps the line below)", k["kafka_to_bronze"])
        row("  bronze -> silver (worker thread)", k["bronze_to_silver"])
        row("Kafka -> bronze -> silver, topics publishing off", k["kafka_to_silver_unpublished"])
    out.print(table)
    out.print(
        f"note: {result.get('note', 'no amplified hours')}; {result['cpu_count']} CPUs,"
        f" load average {result['load_average']}"
    )
    for key, value in result.items():
        if key.startswith("ratio_") and not key.endswith("_per_cpu_s"):
            per_cpu = result.get(f"{key}_per_cpu_s", "n/a")
            name = key.removeprefix("ratio_").replace("_vs_", " / ")
            out.print(f"speed ratio {name}: {value:.2f}x (per CPU-second: {per_cpu}x)")


def _rss(fig: dict) -> str:
    if "peak_rss_mb" not in fig:
        return ""
    start = fig.get("rss_at_start_mb")
    return f"{fig['peak_rss_mb']}" + (f" ({start})" if start is not None else "")
