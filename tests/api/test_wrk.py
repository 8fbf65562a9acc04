"""``ghintel bench api``'s load path: wrk (the C load generator .ci/run installs) against a real
``ghintel api`` over the test lake, with the URL mix the benchmark draws."""

from __future__ import annotations

from benchmarks.api import cases_of, start_server
from benchmarks.wrk import run_wrk
from ghintel_api.core.lake import Lake
from ghintel_pipeline.lib.kafka.broker import free_port
from tests.api.conftest import api_settings


def test_wrk_over_distinct_urls_of_every_route(lake_home):
    lake = Lake(api_settings(lake_home))
    lake.open()
    try:
        plans = {case.name: case.requests(50) for case in cases_of(lake)}
    finally:
        lake.close()
    assert all(len({url for url, _ in reqs}) == len(reqs) > 10 for reqs in plans.values())
    urls = [url for reqs in plans.values() for url, _ in reqs]
    port = free_port()
    server = start_server(lake_home, port, workers=1, cache_mb=0, clients=4)
    try:
        result = run_wrk(f"http://127.0.0.1:{port}", urls, connections=4, seconds=2, server_pid=server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert result.requests > 20 and result.errors == 0  # every URL of the mix is a valid request
    assert 0 < result.p50_ms <= result.p90_ms <= result.p99_ms <= result.max_ms
    assert result.client_cpu > 0 and result.server_cpu > 0.05
