"""``ghintel produce gharchive ...``: GH Archive hours into Kafka."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from ghintel_pipeline.lib.gharchive import FileResult, HourSource, ProduceSummary, ReadStats
    from ghintel_pipeline.lib.kafka.parallel import ParallelProducer
    from ghintel_pipeline.lib.kafka.producer import RawEventProducer

app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)


class RichProgress:
    """lib/gharchive's ProgressHook as one bar per source, on stderr so ``--json`` stdout stays clean."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def start_file(self, source: HourSource, stats: ReadStats) -> None:
        self.task = self.progress.add_task(source.name, total=None, lines=0)

    def advance(self, stats: ReadStats, lines: int) -> None:
        if self.task is not None:
            self.progress.update(
                self.task, completed=stats.compressed_bytes, total=stats.total_bytes, lines=lines
            )

    def end_file(self, result: FileResult) -> None:
        if self.task is not None:
            mark = "[green]ok[/green]" if result.status == "ok" else f"[red]{result.error_kind}[/red]"
            self.progress.update(
                self.task,
                description=f"{result.name} {mark}",
                total=result.compressed_bytes or 1,
                completed=result.compressed_bytes or 1,
            )


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[lines]:,} lines"),
        TimeElapsedColumn(),
        console=console,
        disable=not enabled,
        transient=False,
    )


def open_producer(
    bootstrap: str, topic: str, *, workers: int, **kwargs
) -> RawEventProducer | ParallelProducer:
    """One in-process producer, or ``workers`` producer processes (see lib/kafka/parallel.py)."""
    from ghintel_pipeline.lib.kafka.parallel import ParallelProducer
    from ghintel_pipeline.lib.kafka.producer import RawEventProducer

    if workers > 1:
        return ParallelProducer(bootstrap, topic, workers=workers, **kwargs)
    return RawEventProducer(bootstrap, topic, **kwargs)


def _fail(message: str, as_json: bool, code: int = 1) -> None:
    if as_json:
        print(
            json.dumps(
                {
                    "ok": False,
                    "error": message,
                    "read": 0,
                    "produced": 0,
                    "failed": 0,
                    "empty": 0,
                    "bytes": 0,
                    "seconds": 0.0,
                    "files": [],
                }
            )
        )
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def _print_summary(summary: ProduceSummary) -> None:
    table = Table(title="GH Archive -> Kafka", show_lines=False)
    for col in ("file", "status", "read", "produced", "failed", "empty", "MB"):
        table.add_column(col, justify="left" if col in ("file", "status") else "right")
    for f in summary.files:
        status = "[green]ok[/green]" if f.status == "ok" else f"[red]{f.status}: {f.error_kind}[/red]"
        table.add_row(
            f.name,
            status,
            f"{f.read:,}",
            f"{f.produced:,}",
            f"{f.failed:,}",
            f"{f.empty:,}",
            f"{f.bytes / 1e6:.1f}",
        )
    console.print(table)
    for f in summary.files:
        if f.error:
            console.print(f"[red]{f.name}:[/red] {f.error}")
        if f.warning:
            console.print(f"[yellow]warning: {f.name}:[/yellow] {f.warning}")
    for line in summary.delivery_errors:
        console.print(f"[red]delivery:[/red] {line}")
    if summary.recreated:
        console.print(
            f"producer recreated {summary.recreated}x after a broker restart; {summary.resent} records "
            "re-sent (may duplicate; silver dedups by event id)"
        )
    console.print(
        f"produced {summary.produced:,} of {summary.read - summary.empty:,} events "
        f"({summary.failed:,} failed, {summary.empty:,} empty lines skipped), "
        f"{summary.bytes / 1e6:.1f} MB in {summary.seconds:.2f} s = {summary.events_per_s:,.0f} events/s"
    )
    if summary.aborted:
        console.print(f"[red]aborted:[/red] {summary.aborted}")
    if not summary.ok:
        console.print("[red]NOT COMPLETE[/red]: see the errors above; exit code 1")


@app.command("gharchive")
def gharchive(
    specs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Local .json.gz files, folders of them, http(s) URLs, or hours YYYY-MM-DD-H.",
            show_default=False,
        ),
    ] = None,
    start: str = typer.Option(None, "--from", help="First hour of a range, YYYY-MM-DD-H (with --to)."),
    end: str = typer.Option(None, "--to", help="Last hour of the range, included."),
    base_url: str = typer.Option(None, help="GH Archive base URL or mirror (default GHARCHIVE_BASE_URL)."),
    topic: str = typer.Option(None, help="Topic (default GHINTEL_TOPIC)."),
    delivery_timeout: float = typer.Option(
        None,
        help="Seconds before an unacknowledged record counts as failed (default GHINTEL_DELIVERY_TIMEOUT_S).",
    ),
    compression: str = typer.Option(None, help="none|gzip (default GHINTEL_PRODUCER_COMPRESSION)."),
    workers: int = typer.Option(
        None,
        min=1,
        help="Producer processes; >1 spreads the per-record CPU cost (default GHINTEL_PRODUCER_WORKERS).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with the counts on stdout."),
    progress: bool = typer.Option(True, help="Show a progress bar on stderr (only on a terminal)."),
    skip_done: bool = typer.Option(
        False,
        "--skip-done",
        help="Skip files this GHINTEL_HOME already produced completely (what `ghintel up` passes).",
    ),
) -> None:
    """Stream GH Archive hour files into Kafka, one raw line per record, and report what arrived.

    Exit code 0 only when every line of every source was read and acknowledged by the broker.
    """
    from ghintel_pipeline.lib.gharchive import (
        HourSpecError,
        ProduceSummary,
        http_client,
        produce_sources,
        resolve_sources,
    )
    from ghintel_pipeline.lib.gharchive.ledger import ledger_path, record_done, split_done
    from ghintel_pipeline.lib.kafka.broker import BrokerError, ensure_topic, resolve_bootstrap
    from ghintel_pipeline.lib.kafka.producer import ProducerError
    from ghintel_pipeline.lib.settings import Settings

    settings = Settings()
    try:
        sources = resolve_sources(
            specs or [], base_url=base_url or settings.gharchive_base_url, start=start, end=end
        )
    except HourSpecError as exc:
        _fail(str(exc), as_json, code=2)
    if not sources:
        _fail("nothing to produce: give files, folders, URLs or hours, or --from/--to", as_json, code=2)
    if skip_done:
        sources, done = split_done(settings.home, sources)
        for source in done:
            console.print(f"{source.name}: already produced completely (see {ledger_path(settings.home)})")
        if not sources:
            if as_json:
                print(json.dumps(ProduceSummary().to_dict()))
            raise typer.Exit(0)
    topic = topic or settings.ghintel_topic
    compression = compression or settings.ghintel_producer_compression
    if compression == "none":
        compression = None
    try:
        bootstrap = resolve_bootstrap(settings)
        producer = open_producer(
            bootstrap,
            topic,
            workers=workers or settings.ghintel_producer_workers,
            max_retries=settings.ghintel_producer_retries,
            delivery_timeout_s=delivery_timeout or settings.ghintel_delivery_timeout_s,
            compression=compression,
        )
    except (BrokerError, ProducerError) as exc:
        _fail(f"{exc} (nothing was read or produced)", as_json)
    try:
        ensure_topic(bootstrap, topic, settings.ghintel_partitions, timeout_s=producer.connect_timeout_s)
        with (
            http_client(settings.gharchive_http_timeout_s) as client,
            _progress(progress and console.is_terminal and not as_json) as bar,
        ):
            summary = produce_sources(sources, producer, client=client, progress=RichProgress(bar))
    except BrokerError as exc:
        producer.close()
        _fail(f"{exc} (nothing was read or produced)", as_json)
    finally:
        producer.close()
    record_done(settings.home, summary.files)
    if as_json:
        print(json.dumps(summary.to_dict()))
    _print_summary(summary)
    raise typer.Exit(0 if summary.ok else 1)
