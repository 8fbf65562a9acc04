"""One real platform for the end-to-end tests: started as a user would (``ghintel up``'s supervisor).

Broker, GH Archive producer, Dagster webserver + daemon and the API run as separate processes on free
ports with a temporary ``GHINTEL_HOME``. The package-scoped fixture is shared by the API-numbers test
and the browser test, and always stopped at the end.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ghintel_pipeline.lib.kafka.broker import free_port
from ghintel_pipeline.lib.platform.control import PlatformHandle, start_platform, stop_platform
from ghintel_pipeline.lib.platform.state import logs_dir, read_state
from ghintel_pipeline.lib.platform.status import platform_status
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import HOUR_1
from tests.e2e.reference import RawHour

# Generous: on a loaded 2-core machine the first Dagster run (code location import, first dbt
# build) takes minutes, and the platform's own start waits for Dagster's first load.
GOLD_DEADLINE_S = 360
SENSOR_INTERVAL_S = 5


@dataclass
class E2EPlatform:
    handle: PlatformHandle
    settings: Settings
    home: Path
    api: str
    dagster: str
    started_s: float  # how long start_platform took

    def log_tail(self, name: str, lines: int = 25) -> str:
        path = logs_dir(self.home) / f"{name}.log"
        if not path.exists():
            return f"({path.name} missing)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def diagnostics(self) -> str:
        state = read_state(self.home)
        children = {
            n: (c.state, c.returncode, c.message) for n, c in (state.children if state else {}).items()
        }
        parts = [f"children: {children}"]
        for name in ("dagster-daemon", "producer", "api"):
            parts.append(f"--- {name}.log ---\n{self.log_tail(name)}")
        return "\n".join(parts)


@pytest.fixture(scope="package")
def raw_hour() -> RawHour:
    return RawHour(HOUR_1)


@pytest.fixture(scope="package")
def e2e_platform(tmp_path_factory) -> Iterator[E2EPlatform]:
    home = tmp_path_factory.mktemp("e2e") / "home"
    env = {
        "GHINTEL_HOME": str(home),
        "GHINTEL_KAFKA_PORT": str(free_port()),
        "GHINTEL_API_PORT": str(free_port()),
        "GHINTEL_DAGSTER_PORT": str(free_port()),
        "GHINTEL_SOURCE": f"gharchive:{HOUR_1}",
        "GHINTEL_SENSOR_INTERVAL_S": str(SENSOR_INTERVAL_S),
        "GHINTEL_STOP_TIMEOUT_S": "5",
        "GHINTEL_START_TIMEOUT_S": "240",
    }
    with pytest.MonkeyPatch.context() as mp:
        # The children inherit this process's environment: nothing of the developer's own setup
        # (an external Kafka, another home or topic) may leak into them.
        for key in [k for k in os.environ if k.startswith(("GHINTEL_", "KAFKA_", "DAGSTER_", "GITHUB_"))]:
            if key != "GHINTEL_SHARED_DATA":
                mp.delenv(key)
        for key, value in env.items():
            mp.setenv(key, value)
        settings = Settings()
        started = time.monotonic()
        try:
            handle = start_platform(settings)
            platform = E2EPlatform(
                handle=handle,
                settings=settings,
                home=settings.home,
                api=handle.urls["api"],
                dagster=handle.urls["dagster-webserver"],
                started_s=time.monotonic() - started,
            )
            print(f"\nplatform up in {platform.started_s:.0f}s: {handle.urls}")
            yield platform
        finally:
            stop_platform(settings)


@pytest.fixture(scope="package")
def gold_ready(e2e_platform: E2EPlatform, raw_hour: RawHour) -> dict:
    """Waits until the hour went all the way through, judged as a user would: the API's /health shows
    every event of the hour in silver, `ghintel status` shows no lag and a successful last Dagster run,
    and the API has loaded the gold versions that are on disk. Returns that /health answer."""
    platform, expected = e2e_platform, raw_hour.total()
    started = time.monotonic()
    deadline = started + GOLD_DEADLINE_S
    health: dict = {}
    status: dict = {}
    with httpx.Client(base_url=platform.api, timeout=30) as client:
        while time.monotonic() < deadline:
            try:
                health = client.get("/health").json()
            except (httpx.HTTPError, ValueError) as exc:
                health = {"error": repr(exc)}
            if _silver_rows(health) == expected:
                status = platform_status(platform.settings, deep=True)
                if _caught_up(health, status):
                    print(f"gold caught up {time.monotonic() - started:.0f}s after the platform was up")
                    return health
            state = read_state(platform.home)
            dead = [n for n, c in (state.children if state else {}).items() if c.state in ("failed", "dead")]
            if dead:
                pytest.fail(f"platform children died: {dead}\n{platform.diagnostics()}")
            time.sleep(3)
    pytest.fail(
        f"gold did not reflect the hour within {GOLD_DEADLINE_S}s (expected {expected} silver rows); "
        f"last /health: {health}\nlast status: {status}\n{platform.diagnostics()}"
    )


def _silver_rows(health: dict) -> int | None:
    return ((health.get("tables") or {}).get("silver.github_events") or {}).get("rows")


def _caught_up(health: dict, status: dict) -> bool:
    last_run = (status.get("dagster") or {}).get("last_run") or {}
    lag = status.get("lag") or {}
    on_disk = (status.get("gold") or {}).get("tables") or {}
    loaded = health.get("tables") or {}
    return (
        health.get("status") == "ok"
        and last_run.get("status") == "SUCCESS"
        and lag.get("has_new_data") is False
        and bool(on_disk)
        and all(
            (loaded.get(f"gold.{name}") or {}).get("version") == t.get("version")
            for name, t in on_disk.items()
        )
    )
