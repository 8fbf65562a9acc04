"""``ghintel bench validate``: throughput of the event contract next to orjson / DuckDB parsing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from benchmarks.output import AsJson, figures_table, show

if TYPE_CHECKING:
    from rich.console import Console


def bench_validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="NDJSON(.gz) files; default: the shared 2015 GH Archive hours."),
    ] = None,
    repeat: Annotated[int, typer.Option(min=1, help="Runs per figure; the best is reported.")] = 3,
    duckdb: Annotated[bool, typer.Option(help="Also time DuckDB read_json on the same files.")] = True,
    as_json: AsJson = False,
) -> None:
    """Throughput of the event contract (validate_batch, events_to_arrow) vs orjson / DuckDB."""
    from benchmarks.contracts import run_validation_bench

    show(run_validation_bench(files or None, repeat=repeat, duckdb=duckdb), as_json, _render)


def _render(result: dict, console: Console) -> None:
    table = figures_table(
        f"contract throughput: {result['events']:,} events, {len(result['files'])} file(s)",
        ("step", "events", "seconds", "events/s", "cpu s", "events/cpu-s"),
    )
    rows = [
        ("validate_batch", result["events"], result["validate_batch"]),
        ("events_to_arrow", result["valid"], result["events_to_arrow"]),
        ("validate + arrow", result["events"], result["validate_plus_arrow"]),
        ("baseline: orjson.loads", result["events"], result["baseline_orjson_loads"]),
    ]
    duck = result.get("baseline_duckdb_read_json")
    if duck and "seconds" in duck:
        rows.append(("baseline: duckdb read_json", result["events"], duck))
    for name, count, fig in rows:
        cpu = (
            (f"{fig['cpu_seconds']:.3f}", f"{fig['cpu_events_per_s']:,.0f}")
            if "cpu_seconds" in fig
            else ("", "")
        )
        table.add_row(name, f"{count:,}", f"{fig['seconds']:.3f}", f"{fig['events_per_s']:,.0f}", *cpu)
    console.print(table)
    console.print(
        f"valid {result['valid']:,}, quarantined {result['quarantined']:,}; "
        f"validate_batch / orjson.loads speed ratio: {result['ratio_validate_vs_orjson']:.2f}x wall, "
        f"{result['ratio_validate_vs_orjson_cpu']:.2f}x cpu"
    )
    if duck and "seconds" in duck:
        ratio = result["ratio_validate_plus_arrow_vs_duckdb"]
        console.print(f"(validate + arrow) / duckdb read_json speed ratio: {ratio:.2f}x")
    elif duck:
        console.print(f"duckdb baseline unavailable: {duck['error']}")
