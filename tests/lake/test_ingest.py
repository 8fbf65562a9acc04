"""Kafka -> bronze -> silver on the real broker and real Delta tables."""

from __future__ import annotations

from collections import Counter

import pytest

from ghintel_pipeline.lib.lake import open_table, plan_ingest, replay_kafka_range, run_ingest
from ghintel_pipeline.lib.lake.storage import BRONZE, SILVER
from tests.conftest import HOUR_0, HOUR_1
from tests.lake.conftest import (
    bronze_coords,
    event_id,
    file_lines,
    produce,
    silver_ids,
    table_rows,
    versions,
)

pytestmark = pytest.mark.broker


@pytest.mark.slow
def test_hour_lands_exactly_once_and_reruns_change_nothing(lake_settings, bootstrap, topic):
    lines = file_lines(HOUR_1)
    assert produce(bootstrap, topic, lines) == len(lines)
    plan = plan_ingest(lake_settings)
    assert plan.has_new_data and not plan.broker_reset_suspected
    # Every record counts, although Tansu's ListOffsets answers the last batch's base offset + 1.
    assert plan.lag == len(lines)
    assert set(plan.partitions) == {0, 1, 2}

    summary = run_ingest(lake_settings, max_rows=3000).to_dict()
    expected = {event_id(line) for line in lines}
    ids = silver_ids(lake_settings)
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected
    assert summary["bronze_written"] == summary["rows_read"] == len(lines)
    assert summary["silver_written"] + summary["duplicates"] + summary["quarantined"] == len(lines)
    assert summary["silver_written"] == len(expected) and summary["quarantined"] == 0
    assert summary["event_hours_touched"] == ["2015-01-01T01:00:00Z"]
    coords = bronze_coords(lake_settings)
    assert len(coords) == len(set(coords)) == len(lines)
    per_partition = Counter(p for _, p, _ in coords)
    assert {p: summary["offsets"][p]["last"] + 1 for p in per_partition} == dict(per_partition)

    # Bronze rows are the bytes as produced.
    values = table_rows(lake_settings, BRONZE, ["value"]).column("value").to_pylist()
    assert Counter(values) == Counter(lines)

    caught_up = plan_ingest(lake_settings)
    assert not caught_up.has_new_data and caught_up.fingerprint != plan.fingerprint
    before = versions(lake_settings)
    again = run_ingest(lake_settings).to_dict()
    assert again["rows_read"] == again["bronze_written"] == again["silver_written"] == 0
    assert versions(lake_settings) == before


@pytest.mark.slow
def test_replaying_offsets_three_times_leaves_silver_unchanged(lake_settings, bootstrap, topic):
    lines = file_lines(HOUR_0)[:3000]
    produce(bootstrap, topic, lines, hour="2015-01-01-0")
    run_ingest(lake_settings)
    silver = open_table(lake_settings, SILVER)
    snapshot = silver.to_pyarrow_table().sort_by("event_id")
    version = silver.version()
    for _ in range(3):
        replay = replay_kafka_range(lake_settings, {0: 0, 1: 0, 2: 0})
        assert replay.rows_read == len(lines)
        assert replay.silver_written == 0 and replay.duplicates == len(lines)
    silver = open_table(lake_settings, SILVER)
    assert silver.version() == version
    assert silver.to_pyarrow_table().sort_by("event_id").equals(snapshot)
    assert len(bronze_coords(lake_settings)) == len(lines)


@pytest.mark.slow
def test_late_and_mixed_hours_land_in_their_own_partition(lake_settings, bootstrap, topic):
    # Hour 1 first, then a slice of hour 0 arriving late: each event keeps its created_at hour.
    late = file_lines(HOUR_0)[:500]
    produce(bootstrap, topic, file_lines(HOUR_1)[:500])
    first = run_ingest(lake_settings).to_dict()
    assert first["event_hours_touched"] == ["2015-01-01T01:00:00Z"]
    produce(bootstrap, topic, late, hour="2015-01-01-0")
    second = run_ingest(lake_settings).to_dict()
    assert second["event_hours_touched"] == ["2015-01-01T00:00:00Z"]
    rows = table_rows(lake_settings, SILVER, ["event_id", "event_hour", "kafka_offset", "ingested_at"])
    hours = Counter(h.hour for h in rows.column("event_hour").to_pylist())
    assert hours == {0: 500, 1: 500}
    assert rows.column("kafka_offset").null_count == 0 and rows.column("ingested_at").null_count == 0


@pytest.mark.slow
def test_separate_bronze_and_silver_steps_reconcile(lake_settings, bootstrap, topic):
    """run_ingest's recovery path on its own: silver reads back in chunks what bronze holds beyond
    it (what a run killed between its bronze and silver commits leaves)."""
    from ghintel_pipeline.lib.lake import drain_kafka_to_bronze, promote_bronze_to_silver

    lines = file_lines(HOUR_1)[:4000]
    produce(bootstrap, topic, lines + lines[:100])
    bronze = drain_kafka_to_bronze(lake_settings, max_rows=1500)
    assert bronze.rows_written == 4100 and bronze.commits >= 3 and bronze.caught_up
    silver = promote_bronze_to_silver(lake_settings, max_rows=1000)
    assert silver.rows_read == 4100 and silver.commits >= 4
    assert (silver.silver_written, silver.duplicates, silver.quarantined) == (4000, 100, 0)
    assert sorted(silver_ids(lake_settings)) == sorted(event_id(line) for line in lines)
    assert promote_bronze_to_silver(lake_settings).rows_read == 0


@pytest.mark.slow
def test_after_silver_commit_hooks_see_the_committed_range(lake_settings, bootstrap, topic):
    produce(bootstrap, topic, file_lines(HOUR_0)[:300], hour="2015-01-01-0")
    seen = []

    def hook(settings, summary):
        # Called after the run's last silver commit: the range it names is already readable.
        seen.append((summary.silver_versions, open_table(settings, SILVER).version(), summary.silver))

    summary = run_ingest(lake_settings, after_silver=[hook])
    ((before, after), current, silver) = seen[0]
    assert len(seen) == 1 and before is None and after == current == summary.silver_versions[1]
    assert silver.silver_written == 300
    run_ingest(lake_settings, after_silver=[hook])
    assert seen[1][0] == (after, after)  # nothing new: an empty range
