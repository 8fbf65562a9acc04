"""GH Archive backfill: idempotent per hour, deduplicated against Kafka deliveries."""

from __future__ import annotations

import pytest

from ghintel_pipeline.lib.lake import backfill_gharchive_hour, open_table, run_ingest
from ghintel_pipeline.lib.lake.storage import BRONZE, QUARANTINE, SILVER
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import HOUR_1, LEGACY_2012
from tests.lake.conftest import event_id, file_lines, produce, quarantine_rows, silver_ids, table_rows


def _sorted(settings: Settings, which, key: str):
    return open_table(settings, which).to_pyarrow_table().sort_by(key)


def test_backfilling_an_hour_twice_gives_identical_tables(tmp_path, monkeypatch):
    monkeypatch.setenv("GHINTEL_HOME", str(tmp_path / "home"))
    settings = Settings()
    first = backfill_gharchive_hour(settings, "2015-01-01-1", path_or_url=str(HOUR_1))
    lines = file_lines(HOUR_1)
    assert first["bronze_rows"] == len(lines)
    assert first["silver_written"] == len(lines) and first["quarantined"] == 0
    assert first["event_hours_touched"] == ["2015-01-01T01:00:00Z"]
    legacy = backfill_gharchive_hour(settings, "2012-06-14-15", path_or_url=str(LEGACY_2012))
    # Timeline lines are normalized (one event is there twice); user/gist events stay out.
    assert legacy["bronze_rows"] == 5313 and legacy["quarantined"] == 337
    assert legacy["silver_written"] == 4975 and legacy["duplicates"] == 1
    # The file's hour 15 is Pacific time (-07:00): 22:00 UTC, plus a few late events of 23:00.
    assert legacy["event_hours_touched"] == ["2012-06-14T22:00:00Z", "2012-06-14T23:00:00Z"]
    silver_before = _sorted(settings, SILVER, "event_id")

    second = backfill_gharchive_hour(settings, "2015-01-01-1", path_or_url=str(HOUR_1))
    backfill_gharchive_hour(settings, "2012-06-14-15", path_or_url=str(LEGACY_2012))
    assert second["silver_written"] == 0 and second["duplicates"] == len(lines)
    assert _sorted(settings, SILVER, "event_id").equals(silver_before)
    bronze = table_rows(settings, BRONZE, ["gharchive_hour", "line_number", "kafka_offset"])
    assert bronze.num_rows == len(lines) + 5313
    assert bronze.column("kafka_offset").null_count == bronze.num_rows
    assert sorted(
        r["line_number"] for r in bronze.to_pylist() if r["gharchive_hour"] == "2015-01-01-1"
    ) == list(range(1, len(lines) + 1))
    assert len(quarantine_rows(settings)) == 337
    ids = set(silver_ids(settings))
    assert len(ids) == len(lines) + 4975 and ids >= {event_id(line) for line in lines}
    assert open_table(settings, QUARANTINE).to_pyarrow_table().column(
        "gharchive_hour"
    ).unique().to_pylist() == ["2012-06-14-15"]


def test_rejects_a_malformed_hour(tmp_path, monkeypatch):
    monkeypatch.setenv("GHINTEL_HOME", str(tmp_path / "home"))
    with pytest.raises(ValueError):
        backfill_gharchive_hour(Settings(), "2015-01-01T01", path_or_url=str(HOUR_1))


@pytest.mark.broker
@pytest.mark.slow
def test_backfill_and_kafka_deliveries_of_the_same_events_dedup(lake_settings, bootstrap, topic):
    lines = file_lines(HOUR_1)
    produce(bootstrap, topic, lines[:2000])
    run_ingest(lake_settings)
    result = backfill_gharchive_hour(lake_settings, "2015-01-01-1", path_or_url=str(HOUR_1))
    assert result["silver_written"] == len(lines) - 2000 and result["duplicates"] == 2000
    ids = silver_ids(lake_settings)
    assert len(ids) == len(set(ids)) == len(lines)
    lineage = table_rows(lake_settings, SILVER, ["kafka_offset"]).column("kafka_offset")
    assert lineage.null_count == len(lines) - 2000  # first delivery (Kafka) kept its lineage


def test_an_hour_too_big_to_hold_is_read_back_from_bronze(tmp_path, monkeypatch):
    from ghintel_pipeline.lib.lake import backfill

    monkeypatch.setenv("GHINTEL_HOME", str(tmp_path / "home"))
    # ~2.4 MB per 1000-line batch: about three batches are held, the rest is read back.
    monkeypatch.setattr(backfill, "BATCH_ROWS", 1000)
    monkeypatch.setattr(backfill, "CACHE_BYTES", 8 << 20)
    monkeypatch.setattr(backfill, "SILVER_CHUNK_ROWS", 2000)
    validated: list[int] = []
    real_validate = backfill.validate_rows

    def counting_validate(settings, rows, values=None):
        validated.append(rows.num_rows)
        return real_validate(settings, rows, values=values)

    monkeypatch.setattr(backfill, "validate_rows", counting_validate)
    settings = Settings()
    result = backfill_gharchive_hour(settings, "2015-01-01-1", path_or_url=str(HOUR_1))
    lines = file_lines(HOUR_1)
    assert result["silver_written"] == len(lines) and result["duplicates"] == 0
    # The lines validated while bronze was written are not validated again after the read-back.
    assert result["bronze_rows"] == len(lines) and len(validated) > 2
    assert sum(validated) == len(lines)
    assert set(silver_ids(settings)) == {event_id(line) for line in lines}
    assert len(silver_ids(settings)) == len(lines)


def _silver_without_times(settings: Settings):
    return _sorted(settings, SILVER, "event_id").drop_columns(["ingested_at"])


@pytest.mark.slow
def test_many_hours_at_once_commit_what_one_by_one_commits(tmp_path):
    from ghintel_pipeline.lib.lake.backfill_hours import backfill_gharchive_hours

    hours = [
        ("2015-01-01-1", str(HOUR_1)),
        ("2012-06-14-15", str(LEGACY_2012)),
        ("2015-01-01-1", str(HOUR_1)),
    ]
    one_by_one = Settings(ghintel_home=tmp_path / "serial")
    expected = [backfill_gharchive_hour(one_by_one, hour, path_or_url=source) for hour, source in hours]
    together = Settings(ghintel_home=tmp_path / "parallel")
    results = backfill_gharchive_hours(together, hours, parallel=2)
    keys = (
        "hour",
        "lines",
        "bronze_rows",
        "silver_written",
        "duplicates",
        "quarantined",
        "event_hours_touched",
    )
    # Silver merges run in the order given: the repeated hour finds every event already there.
    assert [{k: r[k] for k in keys} for r in results] == [{k: r[k] for k in keys} for r in expected]
    assert results[2]["silver_written"] == 0 and results[2]["duplicates"] == results[0]["lines"]
    assert _silver_without_times(together).equals(_silver_without_times(one_by_one))
    for which in (BRONZE, QUARANTINE):
        assert (
            open_table(together, which).to_pyarrow_table().num_rows
            == open_table(one_by_one, which).to_pyarrow_table().num_rows
        )


@pytest.mark.slow
def test_the_same_hour_in_two_workers_at_once_lands_once(tmp_path):
    """Both workers overwrite the hour's bronze rows at the same time: one commit conflicts and its
    hour is re-run; bronze and silver end as after loading the hour once."""
    from ghintel_pipeline.lib.lake.backfill_hours import backfill_gharchive_hours

    once = Settings(ghintel_home=tmp_path / "once")
    backfill_gharchive_hour(once, "2015-01-01-1", path_or_url=str(HOUR_1))
    twice = Settings(ghintel_home=tmp_path / "twice")
    results = backfill_gharchive_hours(twice, [("2015-01-01-1", str(HOUR_1))] * 2, parallel=2)
    assert [r["silver_written"] for r in results] == [len(file_lines(HOUR_1)), 0]
    assert _silver_without_times(twice).equals(_silver_without_times(once))
    assert _sorted(twice, BRONZE, "line_number").num_rows == len(file_lines(HOUR_1))


def test_a_failing_hour_fails_the_call_after_the_others_loaded(tmp_path):
    from ghintel_pipeline.lib.lake.backfill_hours import backfill_gharchive_hours

    settings = Settings(ghintel_home=tmp_path / "home")
    hours = [
        ("2015-01-01-2", str(tmp_path / "missing.json.gz")),
        ("2015-01-01-1", str(HOUR_1)),
        ("2015-01-01-3", str(tmp_path / "missing.json.gz")),
    ]
    with pytest.raises(RuntimeError, match=r"backfill of 2015-01-01-2 failed: .*missing.json.gz"):
        backfill_gharchive_hours(settings, hours, parallel=2)
    assert set(silver_ids(settings)) == {event_id(line) for line in file_lines(HOUR_1)}
    with pytest.raises(ValueError):
        backfill_gharchive_hours(settings, [("2015-01-01T01", str(HOUR_1))])
