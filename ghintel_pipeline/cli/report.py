"""``ghintel report``: write the anomaly report from the gold marts now (the schedule does it hourly)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)


def report(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the files into this folder (default: "
            "$GHINTEL_HOME/reports/<timestamp>/ and reports/latest).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
) -> None:
    """Render report.md, report.html and PNG charts: top anomalies, trending repos, data coverage."""
    from ghintel_pipeline.lib.reports import generate_report
    from ghintel_pipeline.lib.settings import Settings

    with console.status("reading gold marts and drawing charts ..."):
        result = generate_report(Settings(), out_dir=out)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, sort_keys=True))
        return
    table = Table(title="anomaly report", show_header=False)
    for key, value in result.counts.items():
        table.add_row(key, str(value))
    for name in result.missing_marts:
        table.add_row(f"gold {name}", "[yellow]not built yet[/yellow]")
    console.print(table)
    typer.echo(result.files["report.html"])
