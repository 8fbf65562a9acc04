"""``ghintel bench api``: latency and throughput of the API over a gold layer of >= 1M events.

The lake is an *amplified replay* of the shared GH Archive hours (2015-01-01 hours 0, 1, 15): copy
k of an hour gets event ids shifted by (k+1)*10^10 and created_at moved to the k-th consecutive hour
from 2015-01-01T00:00Z, then goes through the real backfill (bronze -> silver) and the real gold
build. It lives in its own GHINTEL_HOME (default $GHINTEL_HOME/bench/api) and is reused when it
already holds the requested volume.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import httpx
import orjson
import typer
from rich.console import Console
from rich.progress import Progress

from benchmarks.data import shared_data
from ghintel_api.core.lake import Lake
from ghintel_api.core.windows import Granularity, Window, window_span
from ghintel_api.queries.actors import ActorMetric, top_actors
from ghintel_api.queries.anomalies import list_anomalies
from ghintel_api.queries.events import list_events
from ghintel_api.queries.orgs import org_summary
from ghintel_api.queries.repos import repo_activity
from ghintel_api.queries.trending import trending_repos
from ghintel_pipeline.lib.settings import Settings

SOURCE_HOURS = ("2015-01-01-0.json.gz", "2015-01-01-1.json.gz", "2015-01-01-15.json.gz")
START = datetime(2015, 1, 1, tzinfo=UTC)
GOAL_MS = 50.0
console = Console(stderr=True)


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


Direct = Callable[[Lake, duckdb.DuckDBPyConnection], object]


@dataclass
class Case:
    """One benchmarked endpoint: a random request path and the same query run in-process."""

    name: str
    draw: Callable[[random.Random], tuple[str, Direct]]

    def requests(self, n: int, seed: int = 11) -> list[tuple[str, Direct]]:
        """``n`` distinct requests (or as many as the endpoint has), in a fixed random order."""
        rng, out, seen = random.Random(seed), [], set()
        for _ in range(n * 20):
            url, direct = self.draw(rng)
            if url not in seen:
                seen.add(url)
                out.append((url, direct))
                if len(out) == n:
                    break
        return out


def _names(lake: Lake, table: str, column: str, n: int) -> list[str]:
    cur = lake.cursor()
    try:
        sql = f"SELECT {column} FROM {lake.rel(table)} ORDER BY events DESC, {column} LIMIT {n}"
        return [r[column] for r in lake.query(cur, sql)]
    finally:
        cur.close()


def cases_of(lake: Lake) -> list[Case]:
    """The routes of the mix; each draws over thousands of distinct URLs (names x windows x as_of)."""
    repos = _names(lake, "dim_repos", "repo_name", 2000)
    orgs = _names(lake, "dim_orgs", "org_login", 500)
    assert lake.newest_hour is not None and lake.oldest_hour is not None
    hours = int((lake.newest_hour - lake.oldest_hour).total_seconds() // 3600) + 1
    windows, metrics = list(Window), list(ActorMetric)
    key = b"bench"

    def hour(r: random.Random) -> datetime:
        return lake.oldest_hour + timedelta(hours=r.randrange(hours))

    def stamp(at: datetime) -> str:
        return f"{at:%Y-%m-%dT%H:%M:%SZ}"

    def gran(window: Window) -> Granularity:
        return Granularity.hour if window in (Window.h1, Window.h24) else Granularity.day

    def trending(r):
        w, at, n = r.choice(windows), hour(r), r.randint(5, 50)
        return (
            f"/trending-repos?window={w.value}&limit={n}&as_of={stamp(at)}",
            lambda lk, c: trending_repos(lk, c, w, at, n),
        )

    def org(r):
        o, w, at = r.choice(orgs), r.choice(windows), hour(r)
        return (
            f"/org/{o}/summary?window={w.value}&as_of={stamp(at)}",
            lambda lk, c: org_summary(lk, c, o, w, at, None, 10),
        )

    def repo(r):
        name, w, at = r.choice(repos), r.choice(windows), hour(r)
        return (
            f"/repo/{name}/activity?window={w.value}&granularity={gran(w).value}&as_of={stamp(at)}",
            lambda lk, c: repo_activity(lk, c, name, w, at, gran(w)),
        )

    def actors(r):
        w, m, at, n = r.choice(windows), r.choice(metrics), hour(r), r.randint(5, 25)
        return (
            f"/actors/top?window={w.value}&metric={m.value}&limit={n}&as_of={stamp(at)}",
            lambda lk, c: top_actors(lk, c, window_span(w, at), metric=m, limit=n),
        )

    def events(r):
        # One set of parameters gives both the URL and the direct call, so they cannot drift apart.
        params = {"repo": r.choice(repos[:200]), "limit": r.randint(20, 100)}
        return (
            f"/events?{urlencode(params, safe='/')}",
            lambda lk, c: list_events(lk, c, cursor_key=key, **params),
        )

    def anomalies(r):
        since, n = hour(r), r.randint(10, 100)
        return (
            f"/anomalies?since={stamp(since)}&limit={n}",
            lambda lk, c: list_anomalies(
                lk,
                c,
                since=since,
                severity=None,
                repo=None,
                org=None,
                limit=n,
                newest_hour=lk.newest_hour,
                oldest_hour=lk.oldest_hour,
            ),
        )

    return [
        Case("trending", trending),
        Case("org_summary", org),
        Case("repo_activity", repo),
        Case("top_actors", actors),
        Case("events", events),
        Case("anomalies", anomalies),
    ]


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    if not samples_ms:
        return {"p50": 0.0, "p90": 0.0, "p95": 0.0, "p99": 0.0}
    ordered = sorted(samples_ms)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": pick(0.50), "p90": pick(0.90), "p95": pick(0.95), "p99": pick(0.99)}


def direct_timings(lake: Lake, requests: list[tuple[str, Direct]]) -> dict[str, float]:
    """The floor: the same requests' query functions, run one after another in this process.

    Besides the wall-clock percentiles, ``cpu_ms_mean`` is this process's CPU time per request
    (DuckDB runs on the calling thread), which other load on the machine inflates far less.
    """
    samples = []
    cpu_started = time.process_time()
    for _, direct in requests:
        cur = lake.cursor()
        try:
            started = time.perf_counter()
            direct(lake, cur)
            samples.append((time.perf_counter() - started) * 1000)
        finally:
            cur.close()
    cpu_ms = (time.process_time() - cpu_started) * 1000 / max(1, len(requests))
    return {**percentiles(samples), "cpu_ms_mean": round(cpu_ms, 2)}


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
