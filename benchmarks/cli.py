"""``ghintel bench ...``: the benchmark commands, each one entry of ``COMMANDS``."""

import typer

from benchmarks import (
    api_cmd,
    freshness_cmd,
    gold_scale_cmd,
    ingest_cmd,
    produce_cmd,
    rag_cmd,
    topics_cmd,
    ui_cmd,
    validate_cmd,
)

app = typer.Typer(no_args_is_help=True)

COMMANDS = {
    "validate": validate_cmd.bench_validate,
    "ingest": ingest_cmd.bench_ingest,
    "produce": produce_cmd.bench_produce,
    "freshness": freshness_cmd.bench_freshness,
    "api": api_cmd.bench_api,
    "rag": rag_cmd.bench_rag,
    "ui": ui_cmd.bench_ui,
    "topics": topics_cmd.bench_topics,
    "gold-scale": gold_scale_cmd.bench_gold_scale,
}
for name, command in COMMANDS.items():
    app.command(name)(command)
