"""The silver merge scoped to a batch's event_id range still finds every duplicate, whatever the
ids' lengths (the range is in string order, like the file statistics it prunes with)."""

from __future__ import annotations

import pyarrow as pa

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
