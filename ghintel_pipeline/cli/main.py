"""The ``ghintel`` command line: every command is registered here with one explicit line.

Command modules import only typer and rich at the top; each command imports what it needs when it
runs, so ``ghintel --help`` and the light commands never load Dagster, dbt or matplotlib.
"""

from __future__ import annotations

import typer

from benchmarks.cli import app as bench_app
from ghintel_pipeline.cli import agent, api, ask, kafka, lake, platform, produce, produce_live, report

app = typer.Typer(help="ghintel: real-time intelligence over GitHub's public events.", no_args_is_help=True)

app.add_typer(kafka.app, name="kafka", help="Run the embedded Kafka broker.")
app.add_typer(produce.app, name="produce", help="Send GitHub events into Kafka.")
produce.app.command("live")(produce_live.live)
app.command("ingest")(lake.ingest)
app.command("replay")(lake.replay)
app.add_typer(lake.backfill_app, name="backfill", help="Load historical data (GH Archive).")
app.command("dagster")(lake.dagster)
app.add_typer(lake.lake_app, name="lake", help="Inspect and repair the lakehouse tables.")
app.command("api")(api.api)
app.command("up")(platform.up)
app.command("down")(platform.down)
app.command("status")(platform.status)
app.command("report")(report.report)
app.add_typer(bench_app, name="bench", help="Benchmarks that print figures and a same-run baseline.")
app.command("ask")(ask.ask)
app.add_typer(agent.app, name="agent", help="Run the LangGraph agents (API tools, cited findings).")

if __name__ == "__main__":
    app()
