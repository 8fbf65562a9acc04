"""``ghintel bench topics``: what publishing costs the ingest, and how fast a clean event follows.

Same run, private embedded broker, one raw topic read by two fresh lakes: ingest without
publishing (the baseline) and with it. Then a live phase: the first hour is produced at a fixed
rate while ingest runs back to back, and a subscriber measures, per clean message, the time from
the raw record's Kafka timestamp and from its silver commit to the clean record's timestamp.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import psutil

from benchmarks.ingest import amplified_lines, hour_label
from ghintel_pipeline.lib.kafka.producer import RawEventProducer
from ghintel_pipeline.lib.lake.storage import SILVER, open_table
from ghintel_pipeline.lib.settings import Settings
from ghintel_pipeline.lib.topics.tail import TopicMessage, open_reader, poll_messages


def _settings(work: Path, name: str, bootstrap: str, raw: str, publish: bool) -> Settings:
    return Settings(
        ghintel_home=work / name,
        kafka_bootstrap_servers=bootstrap,
        ghintel_topic=raw,
        ghintel_clean_topic=f"{name}_clean",
        ghintel_quarantine_topic=f"{name}_quarantine",
        ghintel_anomalies_topic=f"{name}_anomalies",
        ghintel_topics_publish=publish,
    )


def _produce(bootstrap: str, topic: str, lines, rate: float | None = None) -> int:
    started = time.monotonic()
    with RawEventProducer(bootstrap, topic, linger_ms=5) as producer:
        for i, line in enumerate(lines):
            producer.send(line, None, [("source", b"gharchive")])
            if rate and i % 100 == 99:
                ahead = (i + 1) / rate - (time.monotonic() - started)
                if ahead > 0:
                    producer.flush()
                    time.sleep(ahead)
        producer.flush()
        return producer.totals.produced


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {"count": len(ordered), "p50_s": pick(0.50), "p95_s": pick(0.95), "max_s": round(ordered[-1], 3)}


def _read_all(bootstrap: str, topic: str, until: Callable[[list[TopicMessage]], bool]) -> list[TopicMessage]:
    consumer = open_reader(bootstrap, topic, from_beginning=True)
    out: list[TopicMessage] = []
    deadline = time.monotonic() + 120
    while not until(out) and time.monotonic() < deadline:
        out.extend(poll_messages(consumer))
    consumer.close()
    return out


def _ingest_rate(settings: Settings) -> dict:
    from ghintel_pipeline.lib.lake.ingest import run_ingest

    cpu0 = sum(psutil.Process().cpu_times()[:2])
    started = time.monotonic()
    summary = run_ingest(settings)  # its own `seconds` stop before the after_silver hooks
    seconds = time.monotonic() - started
    cpu = sum(psutil.Process().cpu_times()[:2]) - cpu0
    events = summary.bronze.rows_written
    published = sum(p["messages"] for p in summary.published)
    return {
        "events": events,
        "silver_written": summary.silver.silver_written,
        "published": published,
        "seconds": round(seconds, 3),
        "events_per_s": round(events / seconds) if seconds else None,
        "cpu_seconds": round(cpu, 2),
    }


def _live(work: Path, bootstrap: str, path: Path, rate: float, say) -> dict:
    from ghintel_pipeline.lib.kafka.broker import ensure_topic
    from ghintel_pipeline.lib.lake.ingest import run_ingest
    from ghintel_pipeline.lib.topics.schema import ensure_subscriber_topics

    settings = _settings(work, "live", bootstrap, "bench_live_raw", True)
    ensure_topic(bootstrap, settings.ghintel_topic, 3)
    ensure_subscriber_topics(bootstrap, settings)
    lines = list(amplified_lines(path, 0))
    producer = threading.Thread(target=_produce, args=(bootstrap, settings.ghintel_topic, lines, rate))
    say(f"live: producing {len(lines):,} events at {rate:,.0f}/s while ingest runs back to back")
    producer.start()
    runs = 0
    while producer.is_alive() or runs == 0:
        run_ingest(settings, max_rows=2000)
        runs += 1
    run_ingest(settings, max_rows=2000)
    silver = open_table(settings, SILVER).to_pyarrow_dataset().count_rows()
    clean = _read_all(bootstrap, settings.ghintel_clean_topic, lambda got: len(got) >= silver)
    raw = _read_all(bootstrap, settings.ghintel_topic, lambda got: len(got) >= len(lines))
    raw_ts = {}
    for m in raw:
        event_id = m.value.get("id") if isinstance(m.value, dict) else None
        if event_id is not None:
            raw_ts.setdefault(str(event_id), m.timestamp_ms)
    from_raw, from_commit = [], []
    for m in clean:
        if m.key in raw_ts:
            from_raw.append((m.timestamp_ms - raw_ts[m.key]) / 1000)
        committed = dt.datetime.fromisoformat(m.headers["ghintel-committed-at"].replace("Z", "+00:00"))
        from_commit.append(m.timestamp_ms / 1000 - committed.timestamp())
    return {
        "events_produced": len(lines),
        "rate_per_s": rate,
        "ingest_runs": runs + 1,
        "clean_messages": len(clean),
        "raw_to_clean": _percentiles(from_raw),
        "silver_commit_to_clean": _percentiles(from_commit),
    }


def run_topics_bench(
    files: list[Path], *, amplify: int = 1, rate: float = 2000.0, say: Callable[[str], None] = lambda _m: None
) -> dict:
    from ghintel_pipeline.lib.kafka.broker import (
        ensure_topic,
        free_port,
        read_info,
        start_broker,
        stop_broker,
    )

    work = Path(tempfile.mkdtemp(prefix="ghintel-bench-topics-"))
    result: dict = {"files": [f.name for f in files], "amplify": amplify, "cpu_count": psutil.cpu_count()}
    try:
        start_broker(work / "broker", port=free_port(), topic="bench_raw", partitions=3)
        bootstrap = read_info(work / "broker").bootstrap
        ensure_topic(bootstrap, "bench_raw", 3)
        lines = (line for copy in range(amplify) for path in files for line in amplified_lines(path, copy))
        produced = _produce(bootstrap, "bench_raw", lines)
        say(f"produced {produced:,} raw records (x{amplify} of {len(files)} hours)")
        result["without_publishing"] = _ingest_rate(_settings(work, "off", bootstrap, "bench_raw", False))
        say(f"ingest without publishing: {result['without_publishing']['events_per_s']:,} events/s")
        result["with_publishing"] = _ingest_rate(_settings(work, "on", bootstrap, "bench_raw", True))
        say(f"ingest with publishing: {result['with_publishing']['events_per_s']:,} events/s")
        off, on = result["without_publishing"], result["with_publishing"]
        result["ratio_with_vs_without"] = round(on["events_per_s"] / off["events_per_s"], 3)
        result["live"] = _live(work, bootstrap, files[0], rate, say)
        result["hours"] = [hour_label(f, 0) for f in files]
    finally:
        stop_broker(work / "broker")
        shutil.rmtree(work, ignore_errors=True)
    result["load_average"] = [round(x, 2) for x in psutil.getloadavg()]
    return result


def to_json(result: dict) -> str:
    return orjson.dumps(result, option=orjson.OPT_INDENT_2).decode()
