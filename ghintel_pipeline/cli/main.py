"""The ``ghintel`` command line. Each command group lives in its own module of this package."""

from __future__ import annotations

import typer

from ghintel_pipeline.cli import api, bench, kafka, lake, platform, produce, produce_live, report, tail  # noqa: F401

app = typer.Typer(help="ghintel: real-time intelligence over GitHub's public events.", no_args_is_help=True)
app.add_typer(kafka.app, name="kafka", help="Run the embedded Kafka broker.")
app.add_typer(produce.app, name="produce", help="Send GitHub events into Kafka.")
app.add_typer(bench.app, name="bench", help="Benchmarks that print figures and a same-run baseline.")
app.command("tail")(tail.tail)
# lake.py, api.py, platform.py and report.py add top-level commands with `register(app)`.
for module in (lake, api, platform, report):
    if hasattr(module, "register"):
        module.register(app)

if __name__ == "__main__":
    app()
