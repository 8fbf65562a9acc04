"""The column-wise JSON encoder of the clean topic against orjson on the same rows as dicts."""

from __future__ import annotations

import datetime as dt

import orjson
import pyarrow as pa

from ghintel_pipeline.lib.topics.schema import json_values

UTC = dt.UTC


def test_json_values_parse_to_what_orjson_writes_for_each_row() -> None:
    rows = pa.table(
        {
            "event_id": ["1", "2", "3"],
            "actor_id": pa.array([7, None, -(2**62)], pa.int64()),
            "is_bot": [True, False, None],
            "created_at": pa.array(
                [
                    dt.datetime(2025, 12, 1, 0, 13, 17, tzinfo=UTC),
                    dt.datetime(2015, 1, 1, 15, 4, 5, 120, tzinfo=UTC),
                    None,
                ],
                pa.timestamp("us", "UTC"),
            ),
            "event_date": pa.array([dt.date(2025, 12, 1), None, dt.date(1999, 12, 31)], pa.date32()),
            "repo_name": ['quo"te\\back/slash', "ünïcødé ✓ \U0001f600", "tab\tnew\nline\x01"],
            "payload_json": ['{"a": [1, 2], "b": null}', "{}", None],
        }
    )
    values = json_values(rows)
    option = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC
    expected = [orjson.dumps(r, option=option) for r in rows.to_pylist()]
    assert [orjson.loads(v) for v in values] == [orjson.loads(e) for e in expected]
    # Same keys in the same (contract) order, and fractions only where there is one.
    assert [list(orjson.loads(v)) for v in values] == [rows.column_names] * 3
    assert orjson.loads(values[0])["created_at"] == "2025-12-01T00:13:17Z"
    assert orjson.loads(values[1])["created_at"] == "2015-01-01T15:04:05.000120Z"
    assert json_values(rows.slice(0, 0)) == []
