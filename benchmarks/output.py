"""What the ``ghintel bench`` commands share: the ``--json`` flag, progress lines, figure tables and
how a command ends (``show``, ``run_and_show``).

rich is imported inside the functions, so registering the commands stays light (``--help``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

AsJson = Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")]
HourFiles = Annotated[
    list[Path] | None, typer.Argument(help="GH Archive hour files; default: the shared 2015 hours.")
]


def print_json(result: dict) -> None:
    """The figures as indented JSON on stdout (values JSON lacks, such as datetimes, as text)."""
    typer.echo(json.dumps(result, indent=2, default=str))


def show(result: dict, as_json: bool, render: Callable[[dict, Console], None]) -> None:
    """How every bench command ends: ``--json`` prints ``result`` as JSON, otherwise ``render`` draws
    its figures on a stdout console."""
    if as_json:
        print_json(result)
        return
    from rich.console import Console

    render(result, Console())


def run_and_show(
    run: Callable[..., dict], as_json: bool, render: Callable[[dict, Console], None], *args, **options
) -> None:
    """Run a bench runner with progress lines on stderr, then end as every command does (``show``)."""
    show(run(*args, say=progress(), **options), as_json, render)


def progress() -> Callable[[str], None]:
    """A ``say`` callback for the runners: dim progress lines on stderr, away from the figures."""
    from rich.console import Console

    console = Console(stderr=True)
    return lambda message: console.print(f"[dim]{message}[/dim]")


def figures_table(title: str, columns: Iterable[str], *, names: int = 1) -> Table:
    """A table whose first ``names`` columns name the row (left-aligned) and the rest are figures."""
    from rich.table import Table

    table = Table(title=title)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i < names else "right")
    return table
