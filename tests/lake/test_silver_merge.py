"""The silver merge scoped to a batch's event_id range still finds every duplicate, whatever the
ids' lengths (the range is in string order, like the file statistics it prunes with)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from deltalake.exceptions import CommitFailedError

from ghintel_pipeline.lib.contracts import events_to_arrow, validate_batch
from ghintel_pipeline.lib.lake.silver import merge_events
from ghintel_pipeline.lib.lake.storage import SILVER, ensure_table
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import HOUR_1
from tests.lake.conftest import file_lines, silver_ids


def _events(lines: list[bytes], ids: list[str]) -> pa.Table:
    table = events_to_arrow(validate_batch(lines, source="gharchive").events)
    table = table.set_column(0, "event_id", pa.array(ids, pa.string()))
    lineage = {"kafka_topic": pa.string(), "kafka_partition": pa.int32(), "kafka_offset": pa.int64()}
    for name, type_ in lineage.items():
        table = table.append_column(name, pa.nulls(table.num_rows, type_))
    return table.append_column("ingested_at", table.column("created_at"))


def test_range_scoped_merges_find_duplicates_across_id_lengths(tmp_path):
    settings = Settings(ghintel_home=tmp_path)
    lines = file_lines(HOUR_1)[:40]
    # "999..." sorts after "1000..." as a string: a batch spanning both lengths must still match.
    first = [str(9_000 + i) for i in range(20)]
    second = [str(10_000 + i) for i in range(10)] + first[:10]
    assert merge_events(ensure_table(settings, SILVER), _events(lines[:20], first), [], {}) == 20
    assert merge_events(ensure_table(settings, SILVER), _events(lines[20:40], second), [], {}) == 10
    ids = silver_ids(settings)
    assert len(ids) == len(set(ids)) == 30
    # A batch entirely inside the stored range, all duplicates: nothing inserted.
    assert merge_events(ensure_table(settings, SILVER), _events(lines[:20], first), [], {}) == 0
    assert len(silver_ids(settings)) == 30


def test_two_writers_racing_the_same_ids_cannot_both_insert(tmp_path):
    """Both writers check the ids against the same snapshot (neither sees the other's rows); the
    second commit must fail, and its retry on a fresh snapshot inserts only what is new."""
    settings = Settings(ghintel_home=tmp_path)
    lines = file_lines(HOUR_1)[:30]
    ids = [str(50_000 + i) for i in range(30)]
    ensure_table(settings, SILVER)
    first, second = ensure_table(settings, SILVER), ensure_table(settings, SILVER)
    assert merge_events(first, _events(lines[:20], ids[:20]), [], {}) == 20
    with pytest.raises(CommitFailedError):
        merge_events(second, _events(lines[10:30], ids[10:30]), [], {})
    assert len(silver_ids(settings)) == 20
    assert merge_events(ensure_table(settings, SILVER), _events(lines[10:30], ids[10:30]), [], {}) == 10
    stored = silver_ids(settings)
    assert len(stored) == len(set(stored)) == 30


def test_writers_of_other_dates_do_not_contend_and_the_change_feed_has_every_insert(tmp_path):
    settings = Settings(ghintel_home=tmp_path)
    lines = file_lines(HOUR_1)[:20]
    ensure_table(settings, SILVER)
    first, second = ensure_table(settings, SILVER), ensure_table(settings, SILVER)
    later = _events(lines[10:], [str(70_000 + i) for i in range(10)])
    later = later.set_column(
        later.schema.get_field_index("event_date"),
        "event_date",
        pa.array([d + dt.timedelta(days=1) for d in later.column("event_date").to_pylist()], pa.date32()),
    )
    assert merge_events(first, _events(lines[:10], [str(60_000 + i) for i in range(10)]), [], {}) == 10
    assert merge_events(second, later, [], {}) == 10
    silver = ensure_table(settings, SILVER)
    feed = pa.RecordBatchReader.from_stream(silver.load_cdf(starting_version=0)).read_all()
    kinds = feed.column("_change_type").to_pylist()
    ids = feed.column("event_id").to_pylist()
    inserted = [i for i, kind in zip(ids, kinds, strict=True) if kind == "insert"]
    assert sorted(inserted) == sorted(silver_ids(settings))
    assert len(inserted) == 20
