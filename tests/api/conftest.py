"""A temporary lake produced by the real pipeline (GH Archive backfill -> bronze -> silver -> dbt gold)
and API clients over it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ghintel_api.core.lake import Lake
from ghintel_api.main import create_app
from ghintel_pipeline.lib.lake import backfill_gharchive_hour
from ghintel_pipeline.lib.settings import Settings
from tests.api.reference import RawEvents
from tests.conftest import HOUR_0, HOUR_1, HOUR_15

LAKE_HOURS = {"2015-01-01-0": HOUR_0, "2015-01-01-1": HOUR_1}
NEXT_HOUR = ("2015-01-01-15", HOUR_15)


def build_gold(settings: Settings) -> None:
    from ghintel_pipeline.lib.gold import build_gold as real_build_gold

    real_build_gold(settings)


def ingest_hour(settings: Settings, hour: str, path: Path) -> None:
    backfill_gharchive_hour(settings, hour, path_or_url=str(path))


def api_settings(home: Path, **overrides) -> Settings:
    values = {
        "ghintel_home": home,
        "ghintel_api_rate_limit": "0",
        "ghintel_api_refresh_ms": 0,
        "ghintel_api_keys": "",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def lake_home(real_gold_home) -> Path:
    """Hours 0 and 1 of 2015-01-01 through the real backfill and the real gold build (shared)."""
    return real_gold_home


@pytest.fixture(scope="session")
def raw() -> RawEvents:
    return RawEvents(list(LAKE_HOURS.values()))


@contextmanager
def api_client(home: Path, **overrides) -> Iterator[TestClient]:
    app = create_app(api_settings(home, **overrides))
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def client(lake_home) -> Iterator[TestClient]:
    with api_client(lake_home) as c:
        yield c


@pytest.fixture
def lake_copy(lake_home, tmp_path) -> Path:
    """A private copy of the session lake for tests that write to it."""
    target = tmp_path / "home"
    shutil.copytree(lake_home, target)
    return target


def opened_lake(home: Path) -> Lake:
    """The API's lake over ``home``, loaded (the caller closes it)."""
    lake = Lake(api_settings(home))
    lake.open()
    return lake


@pytest.fixture(scope="module")
def lake(lake_home) -> Iterator[Lake]:
    """The API's in-memory view of the session's gold lake, one per test module."""
    opened = opened_lake(lake_home)
    yield opened
    opened.close()
