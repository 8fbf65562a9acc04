"""Shared fixtures: the real embedded broker on a free port, the shared GH Archive data."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from ghintel_pipeline.lib.kafka.broker import ensure_topic, free_port, start_broker, stop_broker

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(
    os.environ.get("GHINTEL_SHARED_DATA", REPO_ROOT.parent / "shared" / "data" / "github-events")
)
GHARCHIVE_DIR = SHARED_DATA / "gharchive"
API_RESPONSES_DIR = SHARED_DATA / "api-responses"
HOUR_0 = GHARCHIVE_DIR / "2015-01-01-0.json.gz"
HOUR_1 = GHARCHIVE_DIR / "2015-01-01-1.json.gz"
HOUR_15 = GHARCHIVE_DIR / "2015-01-01-15.json.gz"
LEGACY_2012 = GHARCHIVE_DIR / "2012-06-14-15.json.gz"


def pytest_sessionstart(session):
    if not HOUR_1.exists():
        raise pytest.UsageError(f"shared data not found at {SHARED_DATA}; set GHINTEL_SHARED_DATA")
    # The real-model agent test needs llama.cpp's server, built once (~7 min) into a cache: start
    # it now, in the background, whenever tests/agents is part of the run, so it overlaps the rest.
    from tests.agents import llama_server

    if llama_server.wanted(session.config.args, session.config.rootpath):
        llama_server.start_build()


def pytest_collection_modifyitems(items):
    # `-m broker` selects every test that starts or uses the embedded broker, marked or not.
    for item in items:
        if "broker_home" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.broker)


@pytest.fixture(scope="session")
def real_gold_home(tmp_path_factory) -> Path:
    """GH Archive 2015-01-01 hours 0 and 1 through the real backfill and the real gold build, built
    once per session for the API and report tests. Read it only; copy it to change it. Two hours:
    hour 1 then has a trailing baseline, so gold holds real anomalies."""
    from ghintel_pipeline.lib.gold import build_gold
    from ghintel_pipeline.lib.lake import backfill_gharchive_hour
    from ghintel_pipeline.lib.settings import Settings

    home = tmp_path_factory.mktemp("real-gold") / "home"
    settings = Settings(ghintel_home=home, ghintel_lake_root=None)
    for hour, path in (("2015-01-01-0", HOUR_0), ("2015-01-01-1", HOUR_1)):
        backfill_gharchive_hour(settings, hour, path_or_url=str(path))
    build_gold(settings)
    return home


@pytest.fixture(scope="session")
def broker_home(tmp_path_factory) -> Path:
    """A session-wide embedded broker; tests create their own topics on it."""
    home = tmp_path_factory.mktemp("broker-home")
    start_broker(home, port=free_port())
    yield home
    stop_broker(home)


@pytest.fixture(scope="session")
def bootstrap(broker_home) -> str:
    from ghintel_pipeline.lib.kafka.broker import read_info

    return read_info(broker_home).bootstrap


@pytest.fixture
def topic(bootstrap) -> str:
    """A fresh 3-partition topic per test, so tests never see each other's records."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    ensure_topic(bootstrap, name, 3)
    return name


@pytest.fixture
def set_env(monkeypatch) -> Callable[[dict[str, str]], None]:
    """Sets each variable of a mapping for the test (``monkeypatch`` undoes it afterwards)."""

    def apply(values: dict[str, str]) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key, value)

    return apply


@pytest.fixture
def ghintel_env(tmp_path, bootstrap, topic, set_env) -> dict:
    """Environment for CLI/pipeline code under test: its own home and topic on the shared broker."""
    env = {
        "GHINTEL_HOME": str(tmp_path / "home"),
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "GHINTEL_TOPIC": topic,
        # the subscriber topics the ingest publishes to, also per test
        "GHINTEL_CLEAN_TOPIC": f"{topic}_clean",
        "GHINTEL_QUARANTINE_TOPIC": f"{topic}_quarantine",
        "GHINTEL_ANOMALIES_TOPIC": f"{topic}_anomalies",
    }
    set_env(env)
    return env
