"""One real lake for the agent tests: GH Archive hours 0 and 1 of 2015-01-01 through the real
backfill and gold build, hour 1 with the labelled synthetic star/push bursts of tests/gold plus a
few burst accounts that also star a second repo (lockstep co-starring)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ghintel_agents.tools import ApiTools
from ghintel_api.main import create_app
from tests.api.conftest import api_settings, build_gold, ingest_hour
from tests.conftest import HOUR_0, HOUR_1
from tests.gold import synthetic as syn

H1 = dt.datetime(2015, 1, 1, 1, tzinfo=dt.UTC)
CO_STAR_REPO = {"id": 900_000_003, "name": "ghintel-synthetic/co-star"}
CO_STARS = 5
STAR_ANOMALY = "repo:ghintel-synthetic/star-burst:stars:2015-01-01T01"


def co_stars(hour: dt.datetime) -> list[dict]:
    """The first CO_STARS burst accounts also star a second repo a minute after the first."""
    return syn.stars_from_burst_accounts(CO_STAR_REPO, hour + dt.timedelta(minutes=6), CO_STARS)


@pytest.fixture(scope="session")
def agents_home(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("agents-raw")
    home = tmp_path_factory.mktemp("agents-lake") / "home"
    settings = api_settings(home)
    hour_1 = syn.write_hour_file(
        raw / "2015-01-01-1.json.gz", HOUR_1, syn.star_burst(H1) + syn.push_burst(H1) + co_stars(H1)
    )
    ingest_hour(settings, "2015-01-01-0", HOUR_0)
    ingest_hour(settings, "2015-01-01-1", hour_1)
    build_gold(settings)
    return home


@pytest.fixture(scope="session")
def asgi_client(agents_home) -> Iterator[httpx.Client]:
    """The real app over the real lake through an in-process transport (no server, no port)."""
    from fastapi.testclient import TestClient

    with TestClient(create_app(api_settings(agents_home))) as client:
        yield client


@pytest.fixture
def api(asgi_client) -> ApiTools:
    return ApiTools(asgi_client)
