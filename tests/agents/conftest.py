"""The agent tests run over the session's burst lake (``burst_gold_home`` in tests/conftest.py):
GH Archive hours 0 and 1 of 2015-01-01, hour 1 with the labelled synthetic star/push bursts of
tests/gold plus a few burst accounts that also star a second repo (lockstep co-starring)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ghintel_agents.tools import ApiTools
from ghintel_api.main import create_app
from tests.api.conftest import api_settings

STAR_ANOMALY = "repo:ghintel-synthetic/star-burst:stars:2015-01-01T01"


@pytest.fixture(scope="session")
def agents_home(burst_gold_home) -> Path:
    """The session's burst lake (tests/conftest.py), read only."""
    return burst_gold_home.home


@pytest.fixture(scope="session")
def asgi_client(agents_home) -> Iterator[httpx.Client]:
    """The real app over the real lake through an in-process transport (no server, no port)."""
    from fastapi.testclient import TestClient

    with TestClient(create_app(api_settings(agents_home))) as client:
        yield client


@pytest.fixture
def api(asgi_client) -> ApiTools:
    return ApiTools(asgi_client)
