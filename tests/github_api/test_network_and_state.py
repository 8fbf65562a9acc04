"""No network, bounded dedup memory, the status file."""

from __future__ import annotations

import pytest

from ghintel_pipeline.lib.github_api import (
    GitHubUnreachable,
    SeenIds,
    build_live_status,
    read_live_status,
    write_live_status,
)
from ghintel_pipeline.lib.kafka.broker import free_port
from tests.github_api.conftest import FIREHOSE


@pytest.mark.parametrize("base_url", ["closed-port", "http://api.github.invalid"])
def test_unreachable_api_raises_after_bounded_retries(make_poller, clock, base_url):
    if base_url == "closed-port":
        base_url = f"http://127.0.0.1:{free_port()}"
    poller, sunk = make_poller(base_url, max_attempts=3)

    with pytest.raises(GitHubUnreachable, match="cannot reach"):
        poller.run(max_polls=5)

    assert poller.client.requests == 3 and clock.sleeps == [1.0, 2.0]
    assert poller.summary.stopped_by == "network_error" and poller.summary.polls == 0 and sunk == []


def test_network_loss_mid_run_is_tolerated_then_fatal(replay, make_poller, clock):
    server = replay(FIREHOSE)
    polls = []

    def after_poll(result):
        polls.append(result)
        server.__exit__(None, None, None)  # the network goes away after the first poll

    poller, sunk = make_poller(server.base_url, max_attempts=2, on_poll=after_poll)

    with pytest.raises(GitHubUnreachable):
        poller.run(max_polls=10)

    assert len(polls) == 1 and len(sunk) == 30
    assert poller.summary.network_failures == poller.max_network_failures == 3


def test_seen_ids_is_an_lru_with_a_hard_bound():
    seen = SeenIds(3)
    assert [seen.add(i) for i in "abc"] == [True, True, True]
    assert seen.add("a") is False  # a hit refreshes "a"
    assert seen.add("d") is True  # evicts "b", the least recently met
    assert "b" not in seen and all(i in seen for i in "acd")
    for i in range(1000):
        seen.add(str(i))
    assert len(seen) == 3 and seen.evicted == 1001
    with pytest.raises(ValueError):
        SeenIds(0)


def test_status_file_round_trip(replay, make_poller, tmp_path):
    server = replay(FIREHOSE)
    poller, _ = make_poller(server.base_url)
    poller.poll_once()

    path = write_live_status(tmp_path, build_live_status(poller, state="running"))

    assert path == tmp_path / "producer" / "live_status.json"
    status = read_live_status(tmp_path)
    assert status["state"] == "running" and status["summary"]["events_new"] == 30
    assert status["last_poll"]["endpoints"][0]["new"] == 30
    assert status["endpoints"]["/events"]["rate_remaining"] == 58
    assert status["rate_limit"]["limit"] == 60 and status["dedup_capacity"] == poller.seen.capacity
    assert read_live_status(tmp_path / "nowhere") is None
