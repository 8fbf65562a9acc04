"""Lakehouse commands: ``ingest``, ``replay``, ``backfill gharchive``, ``dagster`` and ``lake ...``.

``ingest`` and ``backfill`` execute the Dagster jobs of the code location in this process (same
assets, resources and checks as the sensor-launched runs); ``dagster`` starts the UI/daemon with
the persistent instance under ``$GHINTEL_HOME/dagster``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from ghintel_pipeline.lib.settings import Settings


console = Console(stderr=True)
backfill_app = typer.Typer(no_args_is_help=True, help="Load historical data.")
lake_app = typer.Typer(no_args_is_help=True, help="Inspect and repair the lakehouse tables.")

REPO_ROOT = Path(__file__).resolve().parents[2]


def _print_json(data: dict) -> None:
    typer.echo(json.dumps(data, indent=2, default=str, sort_keys=True))


def ingest(
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    max_runs: int = typer.Option(5, min=1, help="Stop after this many runs even if data keeps arriving."),
) -> None:
    """Run ingest_github_events_job (Kafka -> bronze -> silver -> gold) in-process until caught up."""
    from ghintel_pipeline.defs.inprocess import ingest_until_caught_up, persistent_instance
    from ghintel_pipeline.lib.settings import Settings

    settings = Settings()
    with console.status("ingesting from Kafka ...") as status:

        def on_run(n: int, mats: dict) -> None:
            bronze = mats.get("bronze/github_events", {})
            status.update(f"run {n}: {bronze.get('rows_written', 0)} rows into bronze; checking for more ...")

        summary = ingest_until_caught_up(
            settings, instance=persistent_instance(settings), max_runs=max_runs, on_run=on_run
        )
    if as_json:
        _print_json(summary)
    else:
        table = Table(title="ingest", show_header=False)
        for key in (
            "runs",
            "rows_read",
            "bronze_written",
            "silver_written",
            "quarantined",
            "duplicates",
            "lag_after",
            "seconds",
        ):
            table.add_row(key, str(summary[key]))
        for name, passed in sorted(summary["checks"].items()):
            table.add_row(f"check {name}", "passed" if passed else "[red]FAILED[/red]")
        console.print(table)
        for failure in summary["failed"]:
            console.print(f"[red]failed[/red] {failure}")
    if not summary["success"]:
        raise typer.Exit(1)


def _offsets_since(settings: Settings, since: dt.datetime) -> dict[int, int]:
    """First offset per partition whose record timestamp is >= ``since`` (Kafka ListOffsets by time)."""
    from ghintel_pipeline.lib.kafka.broker import resolve_bootstrap
    from ghintel_pipeline.lib.kafka.client import TopicPartition, new_consumer, partitions

    topic = settings.ghintel_topic
    consumer = new_consumer(resolve_bootstrap(settings))
    try:
        at = int(since.timestamp() * 1000)
        found = consumer.offsets_for_times(
            [TopicPartition(topic, p, at) for p in partitions(consumer, topic, wait_s=0) or ()], timeout=10
        )
    finally:
        consumer.close()
    return {tp.partition: tp.offset for tp in found if tp.offset >= 0}


def _parse_time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def replay(
    since: str | None = typer.Option(
        None, help="ISO time (UTC if no offset): replay records produced since."
    ),
    from_offset: int | None = typer.Option(None, min=0, help="Replay every partition from this offset."),
    partition: Annotated[
        list[int] | None, typer.Option(help="Only these partitions (repeatable); default all.")
    ] = None,
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
) -> None:
    """Re-read already ingested Kafka records through validation and the silver merge (silver dedups)."""
    from ghintel_pipeline.lib.lake import plan_ingest, replay_kafka_range
    from ghintel_pipeline.lib.settings import Settings

    if (since is None) == (from_offset is None):
        raise typer.BadParameter("give exactly one of --since or --from-offset")
    settings = Settings()
    if since is not None:
        starts = _offsets_since(settings, _parse_time(since))
    else:
        starts = {p: from_offset for p in plan_ingest(settings).partitions}
    if partition:
        starts = {p: o for p, o in starts.items() if p in partition}
    with console.status(f"replaying {len(starts)} partitions ..."):
        summary = replay_kafka_range(settings, starts)
    result = {"from_offsets": starts, **summary.to_dict()}
    if as_json:
        _print_json(result)
    else:
        console.print(
            f"replayed {summary.rows_read} records: {summary.silver_written} new in silver, "
            f"{summary.duplicates} duplicates, {summary.quarantined} quarantined in {summary.seconds:.1f}s"
        )


@backfill_app.command("gharchive")
def backfill_gharchive(
    first: str = typer.Option(..., "--from", help="First hour, YYYY-MM-DD-H (UTC)."),
    last: str = typer.Option(..., "--to", help="Last hour (inclusive), YYYY-MM-DD-H."),
    base_url: str | None = typer.Option(None, help="Fetch YYYY-MM-DD-H.json.gz from this base URL."),
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Read YYYY-MM-DD-H.json.gz from this folder.")
    ] = None,
    gold: bool = typer.Option(True, help="Rebuild the gold assets (if defined) afterwards."),
    workers: int = typer.Option(
        2,
        min=1,
        help="Processes loading hours side by side (one run over the range); 1 = one run per hour.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
) -> None:
    """Load GH Archive hours into bronze and silver (the gharchive_hourly partitions, in-process)."""
    from ghintel_pipeline.defs.inprocess import backfill_hours, hour_range, persistent_instance, refresh_gold
    from ghintel_pipeline.lib.settings import Settings

    try:
        keys = hour_range(first, last)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    config = {
        k: v for k, v in {"dir": str(directory) if directory else None, "base_url": base_url}.items() if v
    }
    run_config = {"ops": {"sources__gharchive_hourly": {"config": config}}}
    settings = Settings()
    instance = persistent_instance(settings)
    hours: list[dict] = []
    failed: list[str] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("gharchive", total=len(keys))
        for hour, result, meta in backfill_hours(
            keys, instance=instance, run_config=run_config, workers=workers
        ):
            if result.success:
                hours.append({"hour": hour, **{k: v for k, v in meta.items() if k != "event_dates_touched"}})
            else:
                failed.append(hour)
                console.print(f"[red]{hour} failed[/red] (run {result.run_id})")
            progress.update(task, advance=1, description=f"gharchive {hour}")
    # dbt (run in-process) logs to stdout, which belongs to the --json summary.
    with contextlib.redirect_stdout(sys.stderr):
        gold_result = refresh_gold(instance) if gold and hours else None
    summary = {
        "hours": len(keys),
        "loaded": len(hours),
        "failed": failed,
        "lines": sum(h.get("lines", 0) for h in hours),
        "silver_written": sum(h.get("silver_written", 0) for h in hours),
        "duplicates": sum(h.get("duplicates", 0) for h in hours),
        "quarantined": sum(h.get("quarantined", 0) for h in hours),
        "seconds": round(sum(h.get("seconds", 0.0) for h in hours), 3),
        "checks_failed": sorted({name for h in hours for name, ok in h.get("checks", {}).items() if not ok}),
        "per_hour": hours,
        "gold": gold_result,
    }
    if as_json:
        _print_json(summary)
    else:
        console.print(
            f"{summary['loaded']}/{summary['hours']} hours: {summary['lines']} lines, "
            f"{summary['silver_written']} new silver events, {summary['duplicates']} duplicates, "
            f"{summary['quarantined']} quarantined in {summary['seconds']:.1f}s"
        )
    if failed:
        raise typer.Exit(1)


def _dagster_bin(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise typer.BadParameter(f"{name} not found next to {sys.executable} or on PATH")
    return found


def dagster_command(
    mode: str, settings: Settings, host: str | None = None, port: int | None = None
) -> list[str]:
    """argv of ``dagster dev`` / ``dagster-webserver`` / ``dagster-daemon run`` on this location."""
    workspace = REPO_ROOT / "workspace.yaml"
    target = ["-w", str(workspace)] if workspace.exists() else ["-m", "ghintel_pipeline.definitions"]
    bind = ["-h", host or settings.ghintel_host, "-p", str(port or settings.ghintel_dagster_port)]
    commands = {
        "dev": lambda: [_dagster_bin("dagster"), "dev", *target, *bind],
        "webserver": lambda: [_dagster_bin("dagster-webserver"), *target, *bind],
        "daemon": lambda: [_dagster_bin("dagster-daemon"), "run", *target],
    }
    if mode not in commands:
        raise typer.BadParameter(f"mode must be one of {sorted(commands)}")
    return commands[mode]()


def dagster(
    mode: str = typer.Argument("dev", help="dev (UI + daemon), webserver or daemon."),
    host: str | None = typer.Option(None, help="Bind address (default GHINTEL_HOST)."),
    port: int | None = typer.Option(None, help="UI port (default GHINTEL_DAGSTER_PORT)."),
) -> None:
    """Start Dagster on this code location with the persistent instance under $GHINTEL_HOME/dagster."""
    from ghintel_pipeline.lib.dagster_instance import dagster_env
    from ghintel_pipeline.lib.settings import Settings

    settings = Settings()
    argv = dagster_command(mode, settings, host, port)
    env = dagster_env(settings)
    console.print(f"DAGSTER_HOME={env['DAGSTER_HOME']}")
    # workspace.yaml's working_directory is relative to where dagster starts.
    if (REPO_ROOT / "workspace.yaml").exists():
        os.chdir(REPO_ROOT)
    os.execve(argv[0], argv, env)


@lake_app.command("plan")
def lake_plan() -> None:
    """What the ingest sensor sees: stored offsets, Kafka end offsets, lag, reset signals."""
    from ghintel_pipeline.lib.lake import plan_ingest
    from ghintel_pipeline.lib.settings import Settings

    _print_json(plan_ingest(Settings()).to_dict())


@lake_app.command("accept-broker-reset")
def lake_accept_broker_reset() -> None:
    """After a broker lost its log: restart offsets at the earliest in a new epoch (silver dedups)."""
    from ghintel_pipeline.lib.lake import accept_broker_reset
    from ghintel_pipeline.lib.settings import Settings

    _print_json(accept_broker_reset(Settings()))


@lake_app.command("maintain")
def lake_maintain(retention_hours: int = typer.Option(168, min=0)) -> None:
    """Compact closed partitions, checkpoint and vacuum bronze/silver/quarantine now."""
    from ghintel_pipeline.lib.lake import maintain_tables
    from ghintel_pipeline.lib.settings import Settings

    _print_json(maintain_tables(Settings(), retention_hours=retention_hours))
