"""``ghintel bench produce``: events/s of ``produce gharchive`` next to same-run baselines."""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)
BENCH_DEFAULT_HOUR = "2015-01-01-15"


def _bench_topic(bootstrap: str, partitions: int) -> str:
    from ghintel_pipeline.lib.kafka.broker import ensure_topic

    name = f"bench_produce_{uuid.uuid4().hex[:8]}"
    ensure_topic(bootstrap, name, partitions)
    return name


def _drop_topics(bootstrap: str, names: list[str]) -> None:
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    from ghintel_pipeline.lib.kafka.client import LOG

    admin = AdminClient({"bootstrap.servers": bootstrap, "logger": LOG})
    try:
        for future in admin.delete_topics(names, request_timeout=10).values():
            future.result(timeout=15)
    except KafkaException as exc:  # the embedded broker forgets them on restart anyway
        console.print(f"[yellow]could not delete bench topics {names}: {exc}[/yellow]")


def _cpu_seconds() -> float:
    """CPU of this process and of its finished children (the producer workers, once joined)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _baseline_small_messages(bootstrap: str, topic: str, keys: list[bytes | None]) -> float:
    """The bare client (confluent-kafka, idempotent, otherwise its defaults) sending the same number
    of 100-byte records with the same keys, counted from one delivery callback."""
    from confluent_kafka import Producer

    delivered = 0

    def on_delivery(err, _msg) -> None:
        nonlocal delivered
        delivered += err is None

    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "acks": "all",
            "enable.idempotence": True,
            "on_delivery": on_delivery,
        }
    )
    value = b"x" * 100
    try:
        t0 = time.perf_counter()
        for key in keys:
            while True:
                try:
                    producer.produce(topic, value, key)
                    break
                except BufferError:
                    producer.poll(0.05)
        producer.flush()
        seconds = time.perf_counter() - t0
    finally:
        producer.close()
    return delivered / seconds


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
    reading+gunzipping the file (lines/s) and the bare client sending as many 100-byte records."""
    from ghintel_pipeline.cli.produce import _fail, open_producer
    from ghintel_pipeline.lib.gharchive.hours import HourSpecError
    from ghintel_pipeline.lib.gharchive.produce import produce_sources, repo_key
    from ghintel_pipeline.lib.gharchive.reader import SourceError, download_hour, iter_lines, resolve_sources
    from ghintel_pipeline.lib.kafka.broker import BrokerError, resolve_bootstrap
    from ghintel_pipeline.lib.settings import Settings

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
        "baseline_client_default_100b_msgs_per_s": round(baseline_small, 1),
        "ratio_vs_client_small": round(summary.events_per_s / baseline_small, 3),
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
        table.add_row("baseline: bare confluent-kafka, 100 B records", f"{baseline_small:,.0f} msgs/s")
        table.add_row("ratio vs bare client, small records", f"{result['ratio_vs_client_small']}x")
        table.add_row("load average at start (other processes)", f"{load:.2f} on {os.cpu_count()} CPUs")
        console.print(table)
    raise typer.Exit(0 if summary.failed == 0 else 1)
