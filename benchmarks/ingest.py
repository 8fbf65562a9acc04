"""``ghintel bench ingest``: lakehouse throughput on real GH Archive hours, with a same-run baseline.

Volume beyond the shared hours comes from an *amplified replay*: copy k of an hour gets its event
ids prefixed with k (ids stay unique: every 2015 id has 10 digits) and its ``created_at`` moved k
days later, so it lands as a new hour of new events. The output says so.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil

from ghintel_pipeline.lib.gharchive.reader import event_lines
from ghintel_pipeline.lib.lake.backfill import backfill_lines
from ghintel_pipeline.lib.settings import Settings

DAY0 = dt.date(2015, 1, 1)


def hour_label(path: Path, copy: int) -> str:
    """``2015-01-01-15`` for copy 0, ``2015-01-03-15`` for copy 2 (events moved 2 days later)."""
    date, hour = path.name.removesuffix(".json.gz").rsplit("-", 1)
    return f"{dt.date.fromisoformat(date) + dt.timedelta(days=copy)}-{hour}"


def amplified_lines(path: Path, copy: int) -> Iterator[bytes]:
    if copy == 0:
        yield from event_lines(path)
        return
    prefix = str(copy).encode()
    old = b'"created_at":"' + DAY0.isoformat().encode()
    new = b'"created_at":"' + (DAY0 + dt.timedelta(days=copy)).isoformat().encode()
    for line in event_lines(path):
        if line.startswith(b'{"id":"'):
            line = b'{"id":"' + prefix + line[7:]
        yield line.replace(old, new)


class PeakRss:
    """Samples this process's RSS every 20 ms while active; also takes the CPU time used (all
    threads), which stays meaningful when other processes compete for the cores."""

    def __init__(self) -> None:
        self.peak = 0
        self.cpu = 0.0
        self._stop = threading.Event()
        self._proc = psutil.Process()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            self._stop.wait(0.02)

    def _cpu(self) -> float:
        times = self._proc.cpu_times()
        return times.user + times.system

    def __enter__(self) -> PeakRss:
        self.peak = self._proc.memory_info().rss
        self._cpu0 = self._cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu = self._cpu() - self._cpu0

    @property
    def mb(self) -> float:
        return round(self.peak / 2**20, 1)


def _rate(events: int, seconds: float, cpu: float | None = None) -> dict:
    out = {
        "events": events,
        "seconds": round(seconds, 3),
        "events_per_s": round(events / seconds) if seconds else None,
    }
    if cpu:
        out["cpu_seconds"] = round(cpu, 3)
        out["events_per_cpu_s"] = round(events / cpu)
    return out


def duckdb_read_json(files: list[Path]) -> dict:
    import duckdb

    con = duckdb.connect()
    names = [str(f) for f in files]
    with PeakRss() as meter:
        started = time.perf_counter()
        con.execute("create table t as select * from read_json(?, format='newline_delimited')", [names])
        seconds = time.perf_counter() - started
    events = con.execute("select count(*) from t").fetchone()[0]
    con.close()
    return _rate(events, seconds, meter.cpu)


def bench_file_to_silver(
    settings: Settings, files: list[Path], amplify: int, say: Callable[[str], None]
) -> dict:
    out = {}
    for label, copies in (("original", range(1)), ("amplified", range(1, amplify))):
        events, seconds, bronze_seconds = 0, 0.0, 0.0
        with PeakRss() as rss:
            for copy in copies:
                for path in files:
                    result = backfill_lines(
                        settings, hour_label(path, copy), amplified_lines(path, copy), label=path.name
                    )
                    events += result["lines"]
                    seconds += result["seconds"]
                    bronze_seconds += result["bronze_seconds"]
        if events:
            out[label] = {
                **_rate(events, seconds, rss.cpu),
                "bronze_seconds": round(bronze_seconds, 3),
                "peak_rss_mb": rss.mb,
            }
            say(f"file -> silver ({label}): {events:,} events in {seconds:.1f}s")
    return out


def bench_kafka_to_silver(
    settings: Settings, files: list[Path], amplify: int, say: Callable[[str], None]
) -> dict:
    from ghintel_pipeline.lib.kafka.broker import resolve_bootstrap
    from ghintel_pipeline.lib.kafka.producer import RawEventProducer
    from ghintel_pipeline.lib.lake.ingest import run_ingest

    bootstrap = resolve_bootstrap(settings)
    started = time.perf_counter()
    with RawEventProducer(bootstrap, settings.ghintel_topic) as producer:
        for copy in range(amplify):
            for path in files:
                label = hour_label(path, copy)
                for line in amplified_lines(path, copy):
                    producer.send(line, None, [("source", b"gharchive"), ("hour", label.encode())])
        report = producer.flush()
    produce = _rate(report.produced, time.perf_counter() - started)
    say(f"produced {report.produced:,} records ({report.failed} failed) in {produce['seconds']:.1f}s")
    with PeakRss() as rss:
        summary = run_ingest(settings)
    events = summary.bronze.rows_written
    return {
        "produce": produce,
        "kafka_to_silver": {**_rate(events, summary.seconds, rss.cpu), "peak_rss_mb": rss.mb},
        "kafka_to_bronze": _rate(events, summary.bronze.seconds),
        "bronze_to_silver": _rate(summary.silver.rows_read, summary.silver.seconds),
        "silver_written": summary.silver.silver_written,
        "duplicates": summary.silver.duplicates,
        "quarantined": summary.silver.quarantined,
    }


def run_ingest_bench(
    files: list[Path],
    *,
    amplify: int = 10,
    kafka: bool = True,
    bootstrap: str | None = None,
    duckdb: bool = True,
    workdir: Path | None = None,
    say: Callable[[str], None] = lambda _m: None,
) -> dict:
    """Run every figure on fresh lakes under ``workdir`` (a temp dir, removed afterwards). Kafka runs
    first and DuckDB last, so that memory kept by allocators of one phase does not inflate the
    peak RSS of the Kafka run."""
    from ghintel_pipeline.lib.kafka.broker import free_port, start_broker, stop_broker

    own_dir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="ghintel-bench-")) if own_dir else workdir
    result: dict = {
        "files": [f.name for f in files],
        "amplify": amplify,
        "note": f"amplified replay: {amplify - 1} extra copies per hour, ids prefixed, created_at +k days",
        "cpu_count": psutil.cpu_count(),
    }
    broker_home = None
    try:
        if kafka:
            if bootstrap is None:
                broker_home = work / "broker"
                start_broker(broker_home, port=free_port(), topic="bench_events", partitions=3)
            kafka_lake = Settings(
                ghintel_home=broker_home or work / "kafka",
                kafka_bootstrap_servers=bootstrap,
                ghintel_topic="bench_events" if bootstrap is None else f"bench_{int(time.time())}",
            )
            if bootstrap is not None:
                from ghintel_pipeline.lib.kafka.broker import ensure_topic

                ensure_topic(bootstrap, kafka_lake.ghintel_topic, 3)
            result["kafka"] = bench_kafka_to_silver(kafka_lake, files, amplify, say)
        file_lake = Settings(ghintel_home=work / "file", kafka_bootstrap_servers=bootstrap or "unused:0")
        result["file_to_silver"] = bench_file_to_silver(file_lake, files, amplify, say)
        # Last, so that DuckDB's memory (kept by its allocator) does not inflate our RSS figures.
        if duckdb:
            result["duckdb_read_json"] = duckdb_read_json(files)
            say(f"duckdb read_json: {result['duckdb_read_json']['events']:,} events")
    finally:
        if broker_home is not None:
            stop_broker(broker_home)
        if own_dir:
            shutil.rmtree(work, ignore_errors=True)
    original = result["file_to_silver"].get("original")
    if duckdb and original:
        duck = result["duckdb_read_json"]
        result["ratio_file_to_silver_vs_duckdb"] = round(original["events_per_s"] / duck["events_per_s"], 3)
        if "events_per_cpu_s" in original and "events_per_cpu_s" in duck:
            result["ratio_file_to_silver_vs_duckdb_per_cpu_s"] = round(
                original["events_per_cpu_s"] / duck["events_per_cpu_s"], 3
            )
    result["load_average"] = [round(x, 2) for x in psutil.getloadavg()]
    return result
