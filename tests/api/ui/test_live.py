"""The overview's live updates in headless Chromium: a real uvicorn server over a copy of the
session gold lake, its streams on the session broker; a new gold anomaly row is published by the
real publisher, and the page refreshes itself (static/live.js) to show it."""

from __future__ import annotations

import time

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake
from selenium.webdriver.common.by import By

from ghintel_api.main import create_app
from ghintel_pipeline.lib.lake import lake_table_uri
from ghintel_pipeline.lib.topics.publish import publish_anomalies
from ghintel_pipeline.lib.topics.schema import ensure_subscriber_topics
from tests.api.conftest import api_settings
from tests.api.ui.conftest import console_errors, serve
from tests.e2e.browser import wait_for_text

pytestmark = [pytest.mark.broker, pytest.mark.slow]
NEW_REPO = "live-test/fresh-anomaly"


def _status(browser) -> str:
    return browser.find_element(By.ID, "live-status").text


def _wait(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _add_newest_anomaly(uri: str) -> None:
    """One more gold anomaly row: the newest one, at the top of the overview's table."""
    table = DeltaTable(uri).to_pyarrow_table()
    rows = table.to_pylist()
    newest = max(rows, key=lambda r: (r["event_hour"], r["score"] or 0))
    row = newest | {
        "entity": NEW_REPO,
        "entity_id": max(r["entity_id"] for r in rows) + 1,
        "score": max(r["score"] or 0 for r in rows) + 100,
    }
    write_deltalake(uri, pa.Table.from_pylist([row], schema=table.schema), mode="append")


def test_overview_refreshes_on_a_published_anomaly(browser, lake_copy, bootstrap, shots):
    topic = f"live_{time.monotonic_ns()}"
    settings = api_settings(
        lake_copy,
        kafka_bootstrap_servers=bootstrap,
        ghintel_clean_topic=f"{topic}_clean",
        ghintel_anomalies_topic=f"{topic}_anomalies",
    )
    ensure_subscriber_topics(bootstrap, settings)
    app = create_app(settings)
    with serve(app) as base_url:
        browser.get(base_url + "/ui")
        wait_for_text(browser, ["Live updates: on"], 15)
        assert _status(browser) == "Live updates: on"
        assert _wait(lambda: app.state.streams.connected("anomalies"), 5)
        assert NEW_REPO not in browser.find_element(By.ID, "newest-anomalies").text

        _add_newest_anomaly(lake_table_uri(settings, "gold", "anomalies"))
        summary = publish_anomalies(settings)
        assert summary is not None and summary.messages >= 1

        assert _wait(lambda: _status(browser).startswith("Live updates: refreshed "), 10), _status(browser)
        browser.save_screenshot(str(shots / "overview-live.png"))
        first = browser.find_element(By.CSS_SELECTOR, "#overview-anomalies tbody tr:first-child")
        assert NEW_REPO in first.text
        assert not console_errors(browser)
