"""``ghintel bench ...``: each benchmark registers itself on ``app`` from its own module."""

import typer

app = typer.Typer(no_args_is_help=True)
