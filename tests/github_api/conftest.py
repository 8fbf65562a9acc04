"""Fixtures of the live-poller tests: the replay server over real recordings and a fake clock."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ghintel_pipeline.lib.github_api import EventsApiClient, EventsPoller, build_endpoints
from tests.conftest import API_RESPONSES_DIR
from tests.github_api.replay_server import ReplayServer, load_recordings

# Recorded resets lie in 2012-2020; "now" is later, so no recorded header makes the poller wait.
T0 = 1_800_000_000.0

FIREHOSE = "pygithub-replay/Github.testGetEvents.txt"
NETWORK_WALK = "github3py-betamax/Repository_network_events.json"
USER_WALK = "github3py-betamax/User_events.json"
NETWORK_PATH = "/networks/sigmavirus24/github3.py/events"
USER_PATH = "/users/sigmavirus24/events/public"
WATCHLIST = [
    "pygithub-replay/Repository.testGetEvents.txt",
    "pygithub-replay/Organization.testGetEvents.txt",
    "github3py-betamax/Repository_events.json",
    "github3py-betamax/Organization_public_events.json",
]


@dataclass
class FakeClock:
    """time() and sleep() for the poller: sleeping only moves the clock; every sleep is recorded."""

    now: float = T0
    sleeps: list[float] = field(default_factory=list)
    on_sleep: list = field(default_factory=list)

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        for hook in self.on_sleep:
            hook(seconds)
        self.now += max(0.0, seconds)


@dataclass
class Sunk:
    raw: bytes
    repo_id: int | None
    endpoint: str


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def replay():
    """``replay(*recording_names, aliases={...})`` -> a started ReplayServer."""
    servers = []

    def start(*names: str, aliases: dict[str, str] | None = None) -> ReplayServer:
        server = ReplayServer(load_recordings(API_RESPONSES_DIR, list(names)), aliases)
        servers.append(server.__enter__())
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def make_poller(clock):
    """``make_poller(base_url, repos=..., orgs=..., **poller_kwargs)`` -> (poller, sunk list)."""
    clients = []

    def make(base_url: str, *, firehose=True, repos="", orgs="", token=None, max_attempts=4, **kwargs):
        sunk: list[Sunk] = []
        client = EventsApiClient(
            base_url, token=token, clock=clock.time, sleep=clock.sleep, max_attempts=max_attempts
        )
        clients.append(client)
        poller = EventsPoller(
            client=client,
            endpoints=build_endpoints(firehose=firehose, repos=repos, orgs=orgs),
            sink=lambda raw, repo_id, endpoint: sunk.append(Sunk(raw, repo_id, endpoint)),
            clock=clock.time,
            sleep=clock.sleep,
            **kwargs,
        )
        return poller, sunk

    yield make
    for client in clients:
        client.close()
