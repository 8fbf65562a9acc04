"""``ghintel produce gharchive ...`` and ``ghintel bench produce``: GH Archive hours into Kafka."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Annotated

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

from ghintel_pipeline.cli.bench import app as bench_app
from ghintel_pipeline.lib.gharchive import (
    FileResult,
    HourSource,
    HourSpecError,
    ProduceSummary,
    ProgressHook,
    ReadStats,
    SourceError,
    download_hour,
    http_client,
    iter_lines,
    produce_sources,
    resolve_sources,
)
from ghintel_pipeline.lib.gharchive.ledger import ledger_path, record_done, split_done
from ghintel_pipeline.lib.kafka.broker import BrokerError, ensure_topic, resolve_bootstrap
from ghintel_pipeline.lib.kafka.parallel import ParallelProducer
from ghintel_pipeline.lib.kafka.producer import ProducerError, RawEventProducer
from ghintel_pipeline.lib.settings import Settings

app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)

BENCH_DEFAULT_HOUR = "2015-01-01-15"


class RichProgress(ProgressHook):
    """One bar per source (compressed bytes, lines), on stderr so ``--json`` stdout stays clean."""

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
        help="Producer processes; >1 spreads kafka-python's CPU cost (default GHINTEL_PRODUCER_WORKERS).",
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


# -- ghintel bench produce -------------------------------------------------------------------------
def _bench_topic(bootstrap: str, partitions: int) -> str:
    name = f"bench_produce_{uuid.uuid4().hex[:8]}"
    ensure_topic(bootstrap, name, partitions)
    return name


def _drop_topics(bootstrap: str, names: list[str]) -> None:
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
        try:
            admin.delete_topics(names)
        finally:
            admin.close()
    except KafkaError as exc:  # the embedded broker forgets them on restart anyway
        console.print(f"[yellow]could not delete bench topics {names}: {exc}[/yellow]")


def _cpu_seconds() -> float:
    """CPU of this process and of its finished children (the producer workers, once joined)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _baseline_small_messages(bootstrap: str, topic: str, keys: list[bytes | None]) -> float:
    """kafka-python with its defaults sending the same number of 100-byte records."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    value = b"x" * 100
    try:
        t0 = time.perf_counter()
        futures = [producer.send(topic, value=value, key=key) for key in keys]
        producer.flush()
        seconds = time.perf_counter() - t0
        delivered = sum(1 for f in futures if f.succeeded())
    finally:
        producer.close()
    return delivered / seconds


@bench_app.command("produce")
def bench_produce(
    file: Annotated[
        Path | None,
        typer.Argument(
            help=f"A GH Archive .json.gz (default: hour {BENCH_DEFAULT_HOUR}, "
            "downloaded once into $GHINTEL_HOME/gharchive).",
            show_default=False,
        ),
    ] = None,
    repeat: int = typer.Option(1, min=1, help="Produce the file this many times (same bytes)."),
    compression: str = typer.Option("none", help="none|gzip."),
    workers: int = typer.Option(1, min=1, help="Producer processes (as in `produce gharchive --workers`)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """events/s of `produce gharchive` into the configured broker, next to same-run baselines:
    reading+gunzipping the file (lines/s) and kafka-python's defaults sending as many 100-byte records."""
    settings = Settings()
    if file is None:
        try:
            file = download_hour(
                BENCH_DEFAULT_HOUR, settings.home / "gharchive", base_url=settings.gharchive_base_url
            )
        except SourceError as exc:
            _fail(f"no FILE given and {BENCH_DEFAULT_HOUR} could not be downloaded: {exc}", as_json)
    try:
        bootstrap = resolve_bootstrap(settings)
        sources = resolve_sources([str(file)] * repeat, base_url=settings.gharchive_base_url)
    except (BrokerError, HourSpecError) as exc:
        _fail(str(exc), as_json)
    load = os.getloadavg()[0]

    t0 = time.perf_counter()
    keys: list[bytes | None] = []
    from ghintel_pipeline.lib.gharchive import repo_key

    for source in sources:
        keys.extend(repo_key(line) for line in iter_lines(source) if line)
    read_lines_s = len(keys) / (time.perf_counter() - t0)

    topics = [_bench_topic(bootstrap, settings.ghintel_partitions) for _ in range(2)]
    try:
        cpu0 = _cpu_seconds()
        with open_producer(
            bootstrap, topics[0], workers=workers, compression=None if compression == "none" else compression
        ) as p:
            summary = produce_sources(sources, p)
        cpu_us = (_cpu_seconds() - cpu0) / max(summary.produced, 1) * 1e6
        baseline_small = _baseline_small_messages(bootstrap, topics[1], keys)
    finally:
        _drop_topics(bootstrap, topics)
    result = {
        "file": file.name,
        "repeat": repeat,
        "events": summary.produced,
        "failed": summary.failed,
        "events_per_s": round(summary.events_per_s, 1),
        "mb_per_s": round(summary.bytes / 1e6 / summary.seconds, 2),
        "cpu_us_per_event": round(cpu_us, 1),
        "workers": workers,
        "compression": compression,
        "baseline_read_gunzip_key_lines_per_s": round(read_lines_s, 1),
        "baseline_kafka_python_default_100b_msgs_per_s": round(baseline_small, 1),
        "ratio_vs_kafka_python_small": round(summary.events_per_s / baseline_small, 3),
        "share_of_read_speed": round(summary.events_per_s / read_lines_s, 3),
        "load_avg_1m_at_start": round(load, 2),
        "cpus": os.cpu_count(),
    }
    if as_json:
        print(json.dumps(result))
    else:
        table = Table(title=f"bench produce: {file.name} x{repeat}")
        table.add_column("measure")
        table.add_column("value", justify="right")
        table.add_row(
            "ghintel produce gharchive", f"{result['events_per_s']:,.0f} events/s ({result['mb_per_s']} MB/s)"
        )
        table.add_row("  CPU per event (producer process)", f"{cpu_us:.1f} us")
        table.add_row("baseline: read+gunzip+key only", f"{read_lines_s:,.0f} lines/s")
        table.add_row("baseline: kafka-python defaults, 100 B records", f"{baseline_small:,.0f} msgs/s")
        table.add_row("ratio vs kafka-python small records", f"{result['ratio_vs_kafka_python_small']}x")
        table.add_row("load average at start (other processes)", f"{load:.2f} on {os.cpu_count()} CPUs")
        console.print(table)
    raise typer.Exit(0 if summary.failed == 0 else 1)
