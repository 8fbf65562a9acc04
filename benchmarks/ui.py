"""``ghintel bench ui``: each explorer page's data time (server side) on the >= 1M-event bench lake.

Every page is requested in-process (the real app, TestClient, response cache off) with random
entities and windows; the data time is the page's own ``Server-Timing: data`` figure. The baseline,
measured in the same run, is the JSON routes that answer the same numbers, requested the same way:
a page should cost about what its JSON answers cost, and its data at most 100 ms.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.api import percentiles

GOAL_MS = 100.0


@dataclass
class PageCase:
    name: str
    urls: Callable[[random.Random], tuple[str, list[str]]]  # (page URL, JSON URLs with the same numbers)


def _names(client, path: str, key: str) -> list[str]:
    return [row[key] for row in client.get(path).json()["data"]]


def cases_of(client) -> list[PageCase]:
    windows = ["1h", "24h", "7d", "30d"]
    repos = _names(client, "/trending-repos?window=30d&limit=200", "repo_name")
    orgs = [m["name"] for m in client.get("/entities?q=o&limit=50").json()["data"] if m["kind"] == "org"]
    actors = _names(client, "/actors/top?window=30d&limit=200", "login")
    anomalies = client.get("/anomalies?limit=100").json()["data"]

    def overview(r):
        w = r.choice(windows)
        return f"/ui?window={w}", [f"/trending-repos?window={w}&limit=10", "/anomalies?limit=10", "/health"]

    def last_active_hour(url: str) -> str:
        return client.get(url).json()["last_seen"][:13] + ":00Z"

    def repo(r):
        name, w = r.choice(repos), r.choice(windows)
        gran = "hour" if w in ("1h", "24h") else "day"
        return f"/ui/repo/{name}?window={w}", [
            f"/repos/{name}",
            f"/repo/{name}/activity?window={w}&granularity={gran}",
            f"/anomalies?repo={name}&limit=20",
            f"/events?repo={name}&since={last_active_hour(f'/repos/{name}')}&limit=20",
            f"/repos/{name}/trending/history?window={w}",
        ]

    def org(r):
        name, w = r.choice(orgs), r.choice(windows)
        json_urls = [f"/org/{name}/summary?window={w}", f"/anomalies?org={name}&limit=20"]
        return f"/ui/org/{name}?window={w}", json_urls

    def actor(r):
        login, w = r.choice(actors), r.choice(windows)
        since = last_active_hour(f"/actor/{login}")
        return f"/ui/actor/{login}?window={w}", [
            f"/actor/{login}",
            f"/actor/{login}/activity?window={w}",
            f"/events?actor={login}&since={since}&limit=50",
        ]

    def anomaly(r):
        a = r.choice(anomalies)
        hour = a["event_hour"].replace(":00:00Z", ":00Z")
        series = (
            f"/repo/{a['entity']}/activity?window=24h&as_of={hour}"
            if a["entity_type"] == "repo"
            else f"/org/{a['entity']}/summary?window=24h&as_of={hour}&top=1"
        )
        return f"/ui/anomaly/{a['entity_type']}/{a['metric']}/{hour}/{a['entity']}", [
            f"/anomalies?{a['entity_type']}={a['entity']}&since={hour}&limit=500",
            series,
        ]

    def search(r):
        text = r.choice(repos)[: r.randint(2, 5)]
        return f"/ui/search?q={text}", [f"/entities?q={text}"]

    cases = [PageCase("overview", overview), PageCase("repo", repo), PageCase("org", org)]
    cases += [PageCase("actor", actor), PageCase("search", search)]
    cases.append(PageCase("anomalies", lambda r: ("/ui/anomalies", ["/anomalies?limit=50"])))
    if anomalies:
        cases.append(PageCase("anomaly", anomaly))
    return cases


def timed(client, url: str) -> tuple[float, object]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:200]}")
    return elapsed, response


def measure(client, cases: list[PageCase], iterations: int, seed: int = 7) -> dict[str, dict]:
    """Per page: data ms (Server-Timing), whole page ms and the JSON baseline ms, as percentiles."""
    rng = random.Random(seed)
    out = {}
    for case in cases:
        data, page, baseline = [], [], []
        for _ in range(iterations):
            page_url, json_urls = case.urls(rng)
            elapsed, response = timed(client, page_url)
            data.append(float(response.headers["server-timing"].split("dur=")[1]))
            page.append(elapsed)
            baseline.append(sum(timed(client, url)[0] for url in json_urls))
        page_p, baseline_p = percentiles(page), percentiles(baseline)
        out[case.name] = {
            "data": percentiles(data),
            "page": page_p,
            "json_baseline": baseline_p,
            "page_over_json_p50": round(page_p["p50"] / max(baseline_p["p50"], 1e-6), 2),
        }
    return out
