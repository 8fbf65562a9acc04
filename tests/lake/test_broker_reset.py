"""A restarted (memory-only) broker is detected and reported, never silently re-read or skipped."""

from __future__ import annotations

import pytest

from ghintel_pipeline.lib.kafka.broker import free_port, read_info, start_broker, stop_broker
from ghintel_pipeline.lib.lake import (
    BrokerResetError,
    accept_broker_reset,
    offsets,
    plan_ingest,
    rebase_after_own_broker_start,
    run_ingest,
)
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import HOUR_1
from tests.lake.conftest import bronze_coords, event_id, file_lines, produce, silver_ids

pytestmark = [pytest.mark.broker, pytest.mark.slow]


@pytest.fixture
def private_broker(tmp_path, monkeypatch):
    home = tmp_path / "home"
    port = free_port()
    start_broker(home, port=port, topic="github_raw_events", partitions=3)
    monkeypatch.setenv("GHINTEL_HOME", str(home))
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("GHINTEL_TOPIC", raising=False)
    yield home, port
    stop_broker(home)


def test_restart_is_detected_then_accepted_explicitly(private_broker, monkeypatch):
    home, port = private_broker
    settings = Settings()
    lines = file_lines(HOUR_1)
    before, after = lines[:600], lines[600:1500]
    produce(read_info(home).bootstrap, settings.ghintel_topic, before)
    run_ingest(settings)
    stored = bronze_coords(settings)

    stop_broker(home)
    start_broker(home, port=port, topic="github_raw_events", partitions=3)
    plan = plan_ingest(settings)
    assert plan.broker_reset_suspected and not plan.has_new_data
    assert "restarted" in plan.reason and "is empty" in plan.reason
    with pytest.raises(BrokerResetError):
        run_ingest(settings)

    # New data regrows every partition past the stored offsets: still a reset, even without the
    # embedded broker's instance id (as with an external cluster): the last stored record differs.
    produce(read_info(home).bootstrap, settings.ghintel_topic, after)
    assert plan_ingest(settings).broker_reset_suspected
    with monkeypatch.context() as patch:
        patch.setattr(offsets, "embedded_broker_instance", lambda _settings: None)
        assert not plan_ingest(settings).broker_reset_suspected
        with pytest.raises(BrokerResetError, match="differs|no longer"):
            run_ingest(settings)
    assert bronze_coords(settings) == stored  # nothing was read or skipped

    accepted = accept_broker_reset(settings)
    assert accepted["epoch"] == 1 and len(accepted["previous_offsets"]) == 3
    assert not plan_ingest(settings).broker_reset_suspected
    summary = run_ingest(settings).to_dict()
    assert summary["epoch"] == 1 and summary["bronze_written"] == len(after)
    ids = silver_ids(settings)
    assert len(ids) == len(set(ids)) == len({event_id(line) for line in lines[:1500]})
    coords = bronze_coords(settings)
    assert len(coords) == len(set(coords)) == 1500


def test_a_broker_the_platform_started_itself_is_rebased_without_a_manual_step(private_broker):
    home, port = private_broker
    settings = Settings()
    lines = file_lines(HOUR_1)
    assert rebase_after_own_broker_start(settings) is None, "an empty lake has nothing to re-base"
    produce(read_info(home).bootstrap, settings.ghintel_topic, lines[:400])
    run_ingest(settings)
    stop_broker(home)
    start_broker(home, port=port, topic="github_raw_events", partitions=3)
    assert plan_ingest(settings).broker_reset_suspected

    rebased = rebase_after_own_broker_start(settings)
    assert rebased["epoch"] == 1 and sum(rebased["previous_offsets"].values()) + 3 == 400
    assert rebase_after_own_broker_start(settings) is None, "the new epoch has no offsets yet"
    produce(read_info(home).bootstrap, settings.ghintel_topic, lines[400:900])
    plan = plan_ingest(settings)
    assert not plan.broker_reset_suspected and plan.lag == 500
    assert run_ingest(settings).to_dict()["bronze_written"] == 500
    assert sorted(silver_ids(settings)) == sorted({event_id(line) for line in lines[:900]})
