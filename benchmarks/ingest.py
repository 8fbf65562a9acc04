"""``ghintel bench ingest``: lakehouse throughput on real GH Archive hours, with a same-run baseline.

Volume beyond the shared hours comes from amplified 2025-shaped hours (benchmarks/workload.py).
``amplified_lines`` is the simpler replay other benchmarks use: copy k of an hour gets its event
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

from benchmarks.workload import amplified_2025_hours
from ghintel_pipeline.lib.gharchive.reader import event_lines
from ghintel_pipeline.lib.lake.backfill import backfill_lines
from ghintel_pipeline.lib.lake.backfill_hours import backfill_gharchive_hours
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
    threads), which stays meaningful when other processes compete for the cores. ``children``:
    also the child processes started in the block (their CPU once they ended; the peak RSS of
    any one process), not the ones running before it (an embedded broker)."""

    def __init__(self, children: bool = False) -> None:
        self.children = children
        self.peak = 0
        self.cpu = 0.0
        self._stop = threading.Event()
        self._proc = psutil.Process()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for proc in [self._proc, *(self._proc.children() if self.children else [])]:
                if proc.pid in self._before:
                    continue
                try:
                    self.peak = max(self.peak, proc.memory_info().rss)
                except psutil.Error:  # a child that just ended
                    pass
            self._stop.wait(0.02)

    def _cpu(self) -> float:
        times = self._proc.cpu_times()
        own = times.user + times.system
        return own + times.children_user + times.children_system if self.children else own

    def __enter__(self) -> PeakRss:
        self._before = {proc.pid for proc in self._proc.children()}
        self.peak = self.start = self._proc.memory_info().rss
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

    @property
    def figures(self) -> dict:
        """Peak RSS, and the RSS the block started with: what earlier phases of this process left
        held (allocators keep freed memory) is part of the peak without being this phase's."""
        return {"peak_rss_mb": self.mb, "rss_at_start_mb": round(self.start / 2**20, 1)}


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


DUCKDB_TYPED_COLUMNS = {
    "id": "VARCHAR",
    "type": "VARCHAR",
    "actor": "STRUCT(id BIGINT, login VARCHAR, gravatar_id VARCHAR, url VARCHAR, avatar_url VARCHAR)",
    "repo": "STRUCT(id BIGINT, name VARCHAR, url VARCHAR)",
    "org": "STRUCT(id BIGINT, login VARCHAR, gravatar_id VARCHAR, url VARCHAR, avatar_url VARCHAR)",
    "created_at": "TIMESTAMP",
    "public": "BOOLEAN",
    "payload": "JSON",
}


def duckdb_read(files: list[Path], *, typed: bool) -> dict:
    """DuckDB reading ``files`` into a table: with the explicit columns of an event (``typed``, the
    strong baseline) or with ``read_json``'s auto-detection."""
    import duckdb

    con = duckdb.connect()
    names = [str(f) for f in files]
    if typed:
        sql = "create table t as select * from read_ndjson(?, columns=?, maximum_object_size=16777216)"
        params: list = [names, DUCKDB_TYPED_COLUMNS]
    else:
        sql = "create table t as select * from read_json(?, format='newline_delimited')"
        params = [names]
    with PeakRss() as meter:
        started = time.perf_counter()
        con.execute(sql, params)
        seconds = time.perf_counter() - started
    events = con.execute("select count(*) from t").fetchone()[0]
    con.close()
    return _rate(events, seconds, meter.cpu)


def bench_file_to_silver(settings: Settings, files: list[Path], say: Callable[[str], None]) -> dict:
    """Each file backfilled (GH Archive file -> bronze -> silver) into the lake of ``settings``."""
    events, seconds, bronze_seconds = 0, 0.0, 0.0
    with PeakRss() as rss:
        for path in files:
            hour = path.name.removesuffix(".json.gz")
            result = backfill_lines(settings, hour, event_lines(path), label=path.name)
            events += result["lines"]
            seconds += result["seconds"]
            bronze_seconds += result["bronze_seconds"]
    say(f"file -> silver: {events:,} events in {seconds:.1f}s ({', '.join(f.name for f in files)})")
    return {
        **_rate(events, seconds, rss.cpu),
        "bronze_seconds": round(bronze_seconds, 3),
        **rss.figures,
    }


def bench_backfill_hours(
    settings: Settings, files: list[Path], say: Callable[[str], None], workers: int = 2
) -> dict:
    """All ``files`` in one ``backfill_gharchive_hours`` call (``ghintel backfill gharchive
    --workers``): a process per hour, ``workers`` at a time. The peak RSS is the largest of any one
    process; the CPU time includes the workers' (and their start-up)."""
    hours = [(path.name.removesuffix(".json.gz"), str(path)) for path in files]
    with PeakRss(children=True) as rss:
        started = time.perf_counter()
        results = backfill_gharchive_hours(settings, hours, parallel=workers)
        seconds = time.perf_counter() - started
    events = sum(r["lines"] for r in results)
    say(f"backfill of {len(files)} hours, {workers} workers: {events:,} events in {seconds:.1f}s")
    return {**_rate(events, seconds, rss.cpu), "hours": len(files), "workers": workers, "peak_rss_mb": rss.mb}


def bench_kafka_to_silver(settings: Settings, files: list[Path], say: Callable[[str], None]) -> dict:
    """Produce every line of ``files`` to the topic, then time one ``run_ingest`` draining it."""
    from ghintel_pipeline.lib.kafka.broker import resolve_bootstrap
    from ghintel_pipeline.lib.kafka.producer import RawEventProducer
    from ghintel_pipeline.lib.lake.ingest import run_ingest

    bootstrap = resolve_bootstrap(settings)
    started = time.perf_counter()
    with RawEventProducer(bootstrap, settings.ghintel_topic) as producer:
        for path in files:
            headers = [("source", b"gharchive"), ("hour", path.name.removesuffix(".json.gz").encode())]
            for line in event_lines(path):
                producer.send(line, None, headers)
        report = producer.flush()
    produce = _rate(report.produced, time.perf_counter() - started)
    say(f"produced {report.produced:,} records ({report.failed} failed) in {produce['seconds']:.1f}s")
    with PeakRss() as rss:
        summary = run_ingest(settings)
    events = summary.bronze.rows_written
    # The same records again into a fresh lake (no stored offsets: read from the start) with the
    # subscriber topics off, to show what publishing them costs inside run_ingest.
    quiet = settings.model_copy(
        update={"ghintel_lake_root": f"{settings.lake_root}-unpublished", "ghintel_topics_publish": False}
    )
    with PeakRss() as rss_quiet:
        unpublished = run_ingest(quiet)
    return {
        "produce": produce,
        "kafka_to_silver": {**_rate(events, summary.seconds, rss.cpu), **rss.figures},
        "kafka_to_bronze": _rate(events, summary.bronze.seconds),
        "bronze_to_silver": _rate(summary.silver.rows_read, summary.silver.seconds),
        "kafka_to_silver_unpublished": {
            **_rate(unpublished.bronze.rows_written, unpublished.seconds, rss_quiet.cpu),
            **rss_quiet.figures,
        },
        "silver_written": summary.silver.silver_written,
        "duplicates": summary.silver.duplicates,
        "quarantined": summary.silver.quarantined,
    }


def _ratios(result: dict, path: str, baseline: str) -> None:
    ours, base = result.get(path), result.get(baseline)
    if not ours or not base:
        return
    key = f"ratio_{path}_vs_{baseline}"
    result[key] = round(ours["events_per_s"] / base["events_per_s"], 3)
    if "events_per_cpu_s" in ours and "events_per_cpu_s" in base:
        result[f"{key}_per_cpu_s"] = round(ours["events_per_cpu_s"] / base["events_per_cpu_s"], 3)


def run_ingest_bench(
    files: list[Path],
    *,
    hours: int = 1,
    kafka: bool = True,
    bootstrap: str | None = None,
    duckdb: bool = True,
    workdir: Path | None = None,
    say: Callable[[str], None] = lambda _m: None,
) -> dict:
    """Run every figure on fresh lakes under ``workdir`` (a temp dir, removed afterwards).

    Two workloads: the real ``files``, and ``hours`` amplified 2025-shaped hours built from them
    (benchmarks/workload.py). Each is timed file -> silver next to DuckDB reading the same files
    with typed columns (the strong baseline) and with auto-detection; with two or more amplified
    hours, also all of them in one multi-hour backfill (hours pipelined). Kafka drains the amplified
    hours. Kafka runs first and DuckDB last, so that memory kept by the allocators of one phase
    does not inflate the peak RSS of the next."""
    from ghintel_pipeline.lib.kafka.broker import free_port, start_broker, stop_broker

    own_dir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="ghintel-bench-")) if own_dir else workdir
    result: dict = {"files": [f.name for f in files], "cpu_count": psutil.cpu_count()}
    broker_home = None
    try:
        amplified = amplified_2025_hours(files, hours, work / "amplified") if hours else []
        if amplified:
            events = sum(1 for path in amplified for _ in event_lines(path))
            result["amplified_files"] = [f.name for f in amplified]
            result["note"] = (
                f"amplified: {hours} synthetic 2025-shaped hour(s) of {events // hours:,} events, replays"
                " of the real hours with new ids, created_at moved, payloads trimmed as since 2025-10-07"
            )
            say(result["note"])
        if kafka and amplified:
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
            result["kafka"] = bench_kafka_to_silver(kafka_lake, amplified, say)
        for name, group in (("original", files), ("amplified", amplified)):
            if not group:
                continue
            home = work / f"file-{name}"
            lake = Settings(ghintel_home=home, kafka_bootstrap_servers=bootstrap or "unused:0")
            result[f"file_to_silver_{name}"] = bench_file_to_silver(lake, group, say)
        if len(amplified) > 1:
            lake = Settings(ghintel_home=work / "file-hours", kafka_bootstrap_servers=bootstrap or "unused:0")
            result["backfill_hours_amplified"] = bench_backfill_hours(lake, amplified, say)
        # Last, so that DuckDB's memory (kept by its allocator) does not inflate our RSS figures.
        if duckdb:
            for name, group in (("original", files), ("amplified", amplified)):
                if group:
                    result[f"duckdb_typed_{name}"] = duckdb_read(group, typed=True)
                    say(f"duckdb typed read ({name}): {result[f'duckdb_typed_{name}']['events']:,} events")
            result["duckdb_auto_original"] = duckdb_read(files, typed=False)
    finally:
        if broker_home is not None:
            stop_broker(broker_home)
        if own_dir:
            shutil.rmtree(work, ignore_errors=True)
    for name in ("original", "amplified"):
        _ratios(result, f"file_to_silver_{name}", f"duckdb_typed_{name}")
    _ratios(result, "backfill_hours_amplified", "duckdb_typed_amplified")
    _ratios(result, "backfill_hours_amplified", "file_to_silver_amplified")
    _ratios(result, "file_to_silver_original", "duckdb_auto_original")
    if "kafka" in result:
        result["kafka_to_silver"] = result["kafka"]["kafka_to_silver"]
        _ratios(result, "kafka_to_silver", "duckdb_typed_amplified")
        del result["kafka_to_silver"]
    result["load_average"] = [round(x, 2) for x in psutil.getloadavg()]
    return result
