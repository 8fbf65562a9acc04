"""``ghintel bench api``: latency and throughput of the API over a gold layer of >= 1M events.

The lake is an *amplified replay* of the shared GH Archive hours (2015-01-01 hours 0, 1, 15): copy
k of an hour gets event ids shifted by (k+1)*10^10 and created_at moved to the k-th consecutive hour
from 2015-01-01T00:00Z, then goes through the real backfill (bronze -> silver) and the real gold
build. It lives in its own GHINTEL_HOME (default $GHINTEL_HOME/bench/api) and is reused when it
already holds the requested volume.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import typer
from rich.console import Console
from rich.progress import Progress

from benchmarks.data import shared_data
from ghintel_api.core.lake import Lake
from ghintel_api.core.windows import Granularity, Window, window_span
from ghintel_api.queries.actors import ActorMetric, top_actors
from ghintel_api.queries.orgs import org_summary
from ghintel_api.queries.repos import repo_activity
from ghintel_api.queries.trending import trending_repos
from ghintel_pipeline.lib.settings import Settings

SOURCE_HOURS = ("2015-01-01-0.json.gz", "2015-01-01-1.json.gz", "2015-01-01-15.json.gz")
START = datetime(2015, 1, 1, tzinfo=UTC)
GOAL_MS = 50.0
console = Console()


def default_source_dir() -> Path:
    """The shared GH Archive folder."""
    return shared_data() / "gharchive"


def _replayed_lines(path: Path, copy: int, target: datetime) -> Iterator[bytes]:
    from ghintel_pipeline.lib.gharchive.reader import event_lines

    id_shift = (copy + 1) * 10_000_000_000
    for line in event_lines(path):
        event = orjson.loads(line)
        created = datetime.fromisoformat(event["created_at"].replace("Z", "+00:00"))
        moved = target + timedelta(minutes=created.minute, seconds=created.second)
        event["id"] = str(int(event["id"]) + id_shift)
        event["created_at"] = moved.strftime("%Y-%m-%dT%H:%M:%SZ")
        yield orjson.dumps(event)


def build_amplified_lake(settings: Settings, source_dir: Path, min_events: int, *, rebuild: bool) -> dict:
    """Backfill replayed hours until >= min_events are in silver, then build gold once."""
    marker = settings.home / "bench-lake.json"
    if marker.exists() and not rebuild:
        info = json.loads(marker.read_text())
        if info.get("events", 0) >= min_events:
            return {**info, "reused": True}
    from ghintel_pipeline.lib.gold import build_gold
    from ghintel_pipeline.lib.lake import backfill_lines

    files = [source_dir / name for name in SOURCE_HOURS]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise typer.BadParameter(f"shared hours not found: {missing}; pass --source-dir")
    events, copy, started = 0, 0, time.monotonic()
    with Progress(console=console) as progress:
        task = progress.add_task("replaying hours into bronze/silver", total=min_events)
        while events < min_events:
            target = START + timedelta(hours=copy)
            summary = backfill_lines(
                settings,
                f"{target:%Y-%m-%d}-{target.hour}",
                _replayed_lines(files[copy % len(files)], copy, target),
                label=f"replay-{copy}-of-{files[copy % len(files)].name}",
            )
            events += summary["silver_written"]
            copy += 1
            progress.update(task, completed=min(events, min_events))
    ingest_s = time.monotonic() - started
    console.print(f"silver: {events:,} events in {copy} replayed hours ({ingest_s:.0f} s); building gold ...")
    started = time.monotonic()
    build_gold(settings)
    info = {
        "events": events,
        "hours": copy,
        "first_hour": START.isoformat(),
        "ingest_seconds": round(ingest_s, 1),
        "gold_seconds": round(time.monotonic() - started, 1),
        "label": "amplified replay of GH Archive 2015-01-01 hours 0,1,15 (ids and times shifted)",
    }
    marker.write_text(json.dumps(info, indent=2))
    return {**info, "reused": False}


@dataclass
class Case:
    """One benchmarked endpoint: how to build a random URL, and the same query run in-process."""

    name: str
    url: Callable[[random.Random], str]
    direct: Callable[[random.Random, Lake], object]


def cases_of(lake: Lake) -> list[Case]:
    cur = lake.cursor()
    repos = [
        r["repo_name"]
        for r in lake.query(
            cur, f"SELECT repo_name FROM {lake.rel('dim_repos')} ORDER BY events DESC, repo_name LIMIT 200"
        )
    ]
    orgs = [
        r["org_login"]
        for r in lake.query(
            cur, f"SELECT org_login FROM {lake.rel('dim_orgs')} ORDER BY events DESC, org_login LIMIT 50"
        )
    ]
    cur.close()
    windows = list(Window)
    as_of = lake.newest_hour

    def with_cursor(fn):
        def run(rng: random.Random, lk: Lake):
            c = lk.cursor()
            try:
                return fn(rng, lk, c)
            finally:
                c.close()

        return run

    def gran(window: Window) -> Granularity:
        return Granularity.hour if window in (Window.h1, Window.h24) else Granularity.day

    return [
        Case(
            "trending",
            lambda r: f"/trending-repos?window={r.choice(windows).value}&limit=25",
            with_cursor(lambda r, lk, c: trending_repos(lk, c, r.choice(windows), as_of, 25)),
        ),
        Case(
            "org_summary",
            lambda r: f"/org/{r.choice(orgs)}/summary?window={r.choice(windows).value}",
            with_cursor(
                lambda r, lk, c: org_summary(lk, c, r.choice(orgs), r.choice(windows), as_of, None, 10)
            ),
        ),
        Case(
            "repo_activity",
            lambda r: (
                lambda w: f"/repo/{r.choice(repos)}/activity?window={w.value}&granularity={gran(w).value}"
            )(r.choice(windows)),
            with_cursor(
                lambda r, lk, c: (lambda w: repo_activity(lk, c, r.choice(repos), w, as_of, gran(w)))(
                    r.choice(windows)
                )
            ),
        ),
        Case(
            "top_actors",
            lambda r: (
                f"/actors/top?window={r.choice(windows).value}&metric={r.choice(list(ActorMetric)).value}"
            ),
            with_cursor(
                lambda r, lk, c: top_actors(
                    lk, c, window_span(r.choice(windows), as_of), metric=r.choice(list(ActorMetric)), limit=10
                )
            ),
        ),
        Case("events", lambda r: f"/events?repo={r.choice(repos)}&limit=50", lambda r, lk: None),
        Case("anomalies", lambda r: "/anomalies?limit=50", lambda r, lk: None),
    ]


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    if not samples_ms:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
    ordered = sorted(samples_ms)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99)}


def direct_timings(lake: Lake, cases: list[Case], iterations: int) -> dict[str, dict]:
    out = {}
    for case in cases:
        rng = random.Random(7)
        samples = []
        for _ in range(iterations):
            started = time.perf_counter()
            if case.direct(rng, lake) is None:
                break
            samples.append((time.perf_counter() - started) * 1000)
        if samples:
            out[case.name] = _percentiles(samples)
    return out


async def _drive(base_url: str, urls: list[str], concurrency: int, seconds: float) -> dict:
    """``concurrency`` clients, each sending its next URL as soon as the previous answer arrived."""
    latencies: list[float] = []
    errors = {"count": 0}
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def worker(offset: int) -> None:
            i = offset
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.get(urls[i % len(urls)])
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    errors["count"] += 1
                i += concurrency

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "latencies": latencies,
        "requests": len(latencies),
        "seconds": elapsed,
        "non_200": errors["count"],
    }


def _drive_process(base_url: str, urls: list[str], concurrency: int, seconds: float, out) -> None:
    out.put(asyncio.run(_drive(base_url, urls, concurrency, seconds)))


def load_test(base_url: str, case: Case, concurrency: int, seconds: float, processes: int) -> dict:
    """Split the clients over ``processes`` OS processes so one Python client loop is not the limit."""
    rng = random.Random(11)
    urls = [case.url(rng) for _ in range(20_000)]
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    shares = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    workers = [
        ctx.Process(target=_drive_process, args=(base_url, urls[i::processes], n, seconds, queue))
        for i, n in enumerate(shares)
        if n
    ]
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    latencies = [x for r in results for x in r["latencies"]]
    elapsed = max(r["seconds"] for r in results)
    return {
        **_percentiles(latencies),
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "non_200": sum(r["non_200"] for r in results),
    }


def start_server(home: Path, port: int, workers: int, cache_mb: int, clients: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "GHINTEL_HOME": str(home),
        "GHINTEL_API_RATE_LIMIT": "0",
        "GHINTEL_API_KEYS": "",
        "GHINTEL_API_RESPONSE_CACHE_MB": str(cache_mb),
        # The benchmark's clients share one address: let every one of them be served, so the
        # figures time queries, not the (immediate) refusals of the concurrency cap.
        "GHINTEL_API_MAX_CONCURRENT_QUERIES": str(clients),
        "GHINTEL_API_MAX_CONCURRENT_PER_CLIENT": str(clients),
    }
    env.pop("GHINTEL_LAKE_ROOT", None)
    # `ghintel api` itself, so the benchmark runs the server with the limits users get.
    cmd = [
        sys.executable,
        "-m",
        "ghintel_pipeline.cli.main",
        "api",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("API server exited during startup")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("API server did not become healthy in 300 s")
