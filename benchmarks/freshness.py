"""Freshness benchmark: how long from an event's delivery to Kafka until the API shows it.

Synthetic-but-realistic events (real GH Archive lines with a new id, ``created_at`` = now and a
unique repository/organisation name, so each is recognisable) are produced to the running
platform's topic in rounds at random moments, so the sensor's phase is sampled. The API is polled
every ``poll_s``: ``/events`` (silver) and ``/org/{org}/summary`` (gold) tell when each event
became visible. The Dagster instance then says where the time went: each event is matched with the
ingest run that made it visible and its latency is cut at the run's marks (created by the sensor,
dequeued, bronze/silver/gold steps). Figures only; nothing is asserted.
"""

from __future__ import annotations

import gzip
import math
import os
import random
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson

from benchmarks.data import shared_hours
from benchmarks.freshness_runs import (
    ACTIVE_STATUSES,
    GOLD_MARKS,
    SILVER_MARKS,
    Probe,
    attribute,
    breakdown,
    ingest_runs,
    run_row,
    summarize,
)
from ghintel_pipeline.lib.platform.control import PlatformHandle, start_platform, stop_platform
from ghintel_pipeline.lib.platform.state import read_state
from ghintel_pipeline.lib.settings import Settings


def sample_lines(source: Path, count: int, *, seed: int = 7) -> list[dict]:
    """``count`` events of the hour file (modern format: with ``id``, ``repo`` and ``actor``)."""
    rng = random.Random(seed)
    with gzip.open(source, "rb") as fh:
        events = [e for e in (orjson.loads(line) for line in fh if line.strip()) if "id" in e and "repo" in e]
    return rng.sample(events, min(count, len(events)))


def make_probe(
    template: dict, *, stamp: int, round_no: int, index: int, now: datetime
) -> tuple[Probe, bytes]:
    """A copy of a real event that only this benchmark produces: new id, time, repository and org.

    ``stamp`` identifies the benchmark run (names and the org id stay unique across runs on a reused
    lake); the event id (= repository id) is the delivery time in microseconds plus the index."""
    unique = int(now.timestamp() * 1_000_000) * 100 + index % 100
    org_id = 9 * 10**12 + stamp * 100 + round_no
    org = f"ghintel-fresh-{stamp}-r{round_no}"
    repo = f"{org}/e{index}"
    event = dict(template)
    event["id"] = str(unique)
    event["created_at"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    event["repo"] = {"id": unique, "name": repo, "url": f"https://api.github.com/repos/{repo}"}
    event["org"] = {
        "id": org_id,
        "login": org,
        "gravatar_id": "",
        "url": f"https://api.github.com/orgs/{org}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{org_id}?",
    }
    return Probe(event_id=event["id"], repo=repo, org=org, round=round_no), orjson.dumps(event)


class Visibility:
    """Polls the API for the probes: silver through ``/events``, gold through each round's org summary."""

    def __init__(self, api_url: str, timeout_s: float = 30):
        self.client = httpx.Client(base_url=api_url, timeout=timeout_s)

    def close(self) -> None:
        self.client.close()

    def silver_ids(self, since: float) -> set[str]:
        """Ids of the silver events created since ``since`` (a probe's ``created_at`` is its
        generation time, just before delivery; on a live platform this window stays small)."""
        ids: set[str] = set()
        params: dict = {
            "since": datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "limit": 500,
        }
        for _ in range(20):  # 10k events at most: far more than a benchmark produces
            response = self.client.get("/events", params=params)
            if response.status_code != 200:
                return ids
            body = response.json()
            ids.update(row["event_id"] for row in body["data"])
            if not body.get("next_cursor"):
                break
            params["cursor"] = body["next_cursor"]
        return ids

    def gold_repos(self, org: str) -> set[str]:
        response = self.client.get(f"/org/{org}/summary", params={"window": "24h", "top": 100})
        if response.status_code != 200:  # 404 until the org is in gold, 503 before gold exists
            return set()
        return {row["repo_name"] for row in response.json().get("top_repos", [])}

    def update(self, probes: list[Probe], now: float) -> None:
        waiting_silver = [p for p in probes if p.delivered and p.silver_seen is None]
        if waiting_silver:
            seen = self.silver_ids(min(p.delivered for p in waiting_silver) - 60)
            for probe in waiting_silver:
                if probe.event_id in seen:
                    probe.silver_seen = now
        for org in sorted({p.org for p in probes if p.delivered and p.gold_seen is None}):
            repos = self.gold_repos(org)
            for probe in probes:
                if probe.org == org and probe.gold_seen is None and probe.repo in repos:
                    probe.gold_seen = now
                    probe.silver_seen = probe.silver_seen or now


# -- the measurement ---------------------------------------------------------------------------


@dataclass
class FreshnessPlan:
    api_url: str
    bootstrap: str
    topic: str
    dagster_home: Path
    source: Path
    events: int = 3
    rounds: int = 5
    interval_s: float = 60.0  # mean spacing of rounds (the sensor interval: samples its phase)
    poll_s: float = 1.0
    timeout_s: float = 600.0  # per probe, after its delivery
    seed: int = 7


def _produce(producer, batch: list[tuple[Probe, bytes]]) -> None:
    for probe, value in batch:
        # The key is the repository id, as our producers send it; a probe's repo id is its event id.
        producer.send(
            value, probe.event_id.encode(), [("source", b"gharchive"), ("file", b"bench-freshness")]
        )
    report = producer.flush()
    delivered = time.time()  # flush() returns once the broker acknowledged every record
    if report.failed:
        raise RuntimeError(f"could not deliver the benchmark events: {report.errors}")
    for probe, _ in batch:
        probe.delivered = delivered


def measure(plan: FreshnessPlan, *, say: Callable[[str], None] = lambda m: None) -> dict:
    """Warm-up round (not counted: the first run of a fresh lake builds gold from scratch), then
    ``rounds`` rounds of ``events`` events spaced ``interval_s * U(0.5, 1.5)`` apart."""
    from ghintel_pipeline.lib.kafka.producer import RawEventProducer

    rng = random.Random(plan.seed)
    templates = iter(sample_lines(plan.source, plan.events * (plan.rounds + 1), seed=plan.seed))
    stamp = int(time.time()) % 10**8
    started = time.time()
    visibility = Visibility(plan.api_url)
    producer = RawEventProducer(plan.bootstrap, plan.topic, linger_ms=0)
    warmup: list[Probe] = []
    probes: list[Probe] = []

    def round_batch(round_no: int) -> list[tuple[Probe, bytes]]:
        now = datetime.now(UTC)
        return [
            make_probe(next(templates), stamp=stamp, round_no=round_no, index=round_no * 100 + i, now=now)
            for i in range(plan.events)
        ]

    def wait(group: list[Probe], until: Callable[[], bool], deadline: float) -> None:
        while not until() and time.time() < deadline:
            time.sleep(plan.poll_s)
            visibility.update(group, time.time())

    try:
        batch = round_batch(0)
        warmup = [p for p, _ in batch]
        _produce(producer, batch)
        say(f"warm-up: {len(batch)} events delivered; waiting for them in gold")
        wait(warmup, lambda: all(p.gold_seen for p in warmup), time.time() + plan.timeout_s)
        say(f"warm-up visible in gold after {warmup[0].gold_latency or float('nan'):.1f}s")

        next_at = time.time() + rng.uniform(0.0, plan.interval_s)
        produced_rounds = 0
        deadline = math.inf
        while True:
            now = time.time()
            if produced_rounds < plan.rounds and now >= next_at:
                produced_rounds += 1
                batch = round_batch(produced_rounds)
                _produce(producer, batch)
                probes += [p for p, _ in batch]
                next_at = time.time() + plan.interval_s * rng.uniform(0.5, 1.5)
                if produced_rounds == plan.rounds:
                    deadline = time.time() + plan.timeout_s
                say(f"round {produced_rounds}/{plan.rounds}: {len(batch)} events delivered")
            visibility.update(probes, time.time())
            if produced_rounds == plan.rounds and all(p.gold_seen for p in probes):
                break
            if time.time() > deadline:
                say("timed out waiting for some events")
                break
            time.sleep(plan.poll_s)
    finally:
        visibility.close()
        producer.close()

    runs = ingest_runs(plan.dagster_home, started)
    settle = time.time() + 180  # the last run is still writing its step ends when the API shows gold
    while any(r["status"] in ACTIVE_STATUSES for r in runs) and time.time() < settle:
        time.sleep(2)
        runs = ingest_runs(plan.dagster_home, started)
    attribute(probes + warmup, runs)
    silver = [p.silver_latency for p in probes if p.silver_latency is not None]
    gold = [p.gold_latency for p in probes if p.gold_latency is not None]
    return {
        "events_per_round": plan.events,
        "rounds": plan.rounds,
        "interval_s": plan.interval_s,
        "probes": len(probes),
        "not_visible_in_gold": sum(p.gold_seen is None for p in probes),
        "silver_latency_s": summarize(silver),
        "gold_latency_s": summarize(gold),
        "silver_breakdown_s": breakdown(probes, SILVER_MARKS, "silver_seen"),
        "gold_breakdown_s": breakdown(probes, GOLD_MARKS, "gold_seen"),
        "warmup_gold_latency_s": warmup[0].gold_latency if warmup else None,
        "runs": [run_row(r) for r in runs],
        "events": [
            {**asdict(p), "silver_latency": p.silver_latency, "gold_latency": p.gold_latency} for p in probes
        ],
    }


def default_source() -> Path | None:
    """A shared 2015 GH Archive hour."""
    hours = shared_hours("2015-*.json.gz")
    return hours[0] if hours else None


ISOLATING_VARIABLES = ("KAFKA_BOOTSTRAP_SERVERS", "GHINTEL_LAKE_ROOT", "GHINTEL_SOURCE", "DAGSTER_HOME")


@contextmanager
def private_platform(
    settings: Settings, interval_s: int, *, keep_running: bool = False
) -> Iterator[PlatformHandle]:
    """A platform of its own under ``$GHINTEL_HOME/bench/freshness`` (wiped first): free ports, the
    embedded broker, a local lake, no producer, no API rate limit. The children inherit this
    process's environment, so it is set here and restored afterwards."""
    from ghintel_pipeline.lib.kafka.broker import free_port

    home = settings.home / "bench" / "freshness"
    stop_platform(Settings(ghintel_home=home))  # a leftover of an interrupted run
    shutil.rmtree(home, ignore_errors=True)
    env = {
        "GHINTEL_HOME": str(home),
        "GHINTEL_KAFKA_PORT": str(free_port()),
        "GHINTEL_API_PORT": str(free_port()),
        "GHINTEL_DAGSTER_PORT": str(free_port()),
        "GHINTEL_SENSOR_INTERVAL_S": str(interval_s),
        "GHINTEL_SERVICES": "api,dagster-webserver,dagster-daemon",
        "GHINTEL_API_RATE_LIMIT": "0",
        "GHINTEL_STOP_TIMEOUT_S": "5",
    }
    saved = dict(os.environ)
    for name in ISOLATING_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(env)
    bench_settings = Settings()
    try:
        handle = start_platform(bench_settings)
        try:
            yield handle
        finally:
            if not keep_running:
                handle.stop()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_freshness_bench(
    settings: Settings,
    *,
    sensor_interval_s: int = 60,
    events: int = 3,
    rounds: int = 5,
    reuse: bool = False,
    source: Path | None = None,
    keep_running: bool = False,
    say: Callable[[str], None] = lambda m: None,
) -> dict:
    """Measure on a private platform (default) or on the one running for ``settings`` (``reuse``)."""
    from ghintel_pipeline.lib.dagster_instance import dagster_home
    from ghintel_pipeline.lib.kafka.broker import resolve_bootstrap

    source = source or default_source()
    if source is None or not Path(source).exists():
        raise FileNotFoundError("no GH Archive hour to take events from; pass a source file")

    def plan_for(s: Settings, api_url: str) -> FreshnessPlan:
        return FreshnessPlan(
            api_url=api_url,
            bootstrap=resolve_bootstrap(s),
            topic=s.ghintel_topic,
            dagster_home=dagster_home(s),
            source=Path(source),
            events=events,
            rounds=rounds,
            interval_s=sensor_interval_s,
        )

    started = time.monotonic()
    if reuse:
        state = read_state(settings.home)
        api = state.children.get("api") if state else None
        if state is None or not state.supervisor_alive() or api is None or not api.url:
            raise RuntimeError(f"no running platform with an API under {settings.home}: start `ghintel up`")
        say(f"reusing the platform under {settings.home} (its own sensor interval applies)")
        result = measure(plan_for(settings, api.url), say=say)
        result["platform"] = {"reused": True, "home": str(settings.home)}
    else:
        say(f"starting a private platform (sensor interval {sensor_interval_s}s)")
        with private_platform(settings, sensor_interval_s, keep_running=keep_running) as handle:
            ready = time.monotonic() - started
            say(f"platform up in {ready:.0f}s: {handle.urls}")
            result = measure(plan_for(handle.settings, handle.urls["api"]), say=say)
            result["platform"] = {"reused": False, "home": str(handle.settings.home), "start_s": ready}
    result["sensor_interval_s"] = sensor_interval_s
    result["seconds"] = time.monotonic() - started
    return result
