"""SIGKILL around the publish step: the next run completes the topic from the Delta log."""

from __future__ import annotations

import signal
from collections import Counter

import pytest

from ghintel_pipeline.lib.lake import open_table, run_ingest
from ghintel_pipeline.lib.lake.storage import PUBLISH_LOG
from tests.conftest import HOUR_0
from tests.lake.conftest import file_lines, produce, silver_ids, spawn_ingest

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def _killed_at(point: str, env: dict) -> None:
    proc = spawn_ingest(env, max_rows=1500, extra_env={"GHINTEL_FAULT_POINT": point})
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, f"fault point {point} was not reached"


def test_kill_between_silver_commit_and_publish(lake_settings, ghintel_env, bootstrap, topic, subscribe):
    clean = subscribe(lake_settings.ghintel_clean_topic)
    produce(bootstrap, topic, file_lines(HOUR_0)[:6000], hour="2015-01-01-0")
    _killed_at("publish", ghintel_env)
    committed = silver_ids(lake_settings)
    assert committed, "silver must have committed before the kill"
    assert clean.wait_for(1, timeout_s=0.5, settle_s=0.5) == []

    summary = run_ingest(lake_settings).to_dict()
    ids = silver_ids(lake_settings)
    messages = clean.wait_for(len(ids))
    keys = Counter(m.key for m in messages)
    assert set(keys) == set(ids) and len(ids) >= len(committed)
    # The kill came before the range was marked as being sent: nothing is re-sent.
    assert max(keys.values()) == 1
    clean_topic = next(p for p in summary["published"] if p["topic"] == lake_settings.ghintel_clean_topic)
    assert clean_topic["resend"] is False


def test_kill_after_send_resends_only_a_recorded_range(
    lake_settings, ghintel_env, bootstrap, topic, subscribe
):
    clean = subscribe(lake_settings.ghintel_clean_topic)
    produce(bootstrap, topic, file_lines(HOUR_0)[:6000], hour="2015-01-01-0")
    _killed_at("publish_sent", ghintel_env)
    first_pass = {m.key for m in clean.wait_for(1)}
    assert first_pass, "the killed run had sent a range before dying"

    run_ingest(lake_settings)
    ids = silver_ids(lake_settings)
    messages = clean.wait_for(len(ids) + len(first_pass))
    keys = Counter(m.key for m in messages)
    assert set(keys) == set(ids)
    duplicated = {k for k, n in keys.items() if n > 1}
    assert duplicated and duplicated <= first_pass
    # Every duplicate was sent again as part of a range the log records as a re-send.
    resends = [
        (int(c["ghintel.from_version"]), int(c["ghintel.to_version"]))
        for c in open_table(lake_settings, PUBLISH_LOG).history()
        if c.get("ghintel.resend") == "True" and c.get("ghintel.topic") == lake_settings.ghintel_clean_topic
    ]
    assert resends
    for message in messages:
        if message.key in duplicated:
            version = int(message.headers["ghintel-lake-version"])
            assert any(lo <= version <= hi for lo, hi in resends)
