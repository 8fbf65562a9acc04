"""The columnar fast path (validate_to_arrow) against the object path (validate_batch +
events_to_arrow), row for row, on real hours and on generated batches mixing good and bad records."""

from __future__ import annotations

import copy
import gzip
import json

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ghintel_pipeline.lib.contracts import (
    SILVER_EVENT_SCHEMA,
    events_to_arrow,
    validate_batch,
    validate_to_arrow,
)
from ghintel_pipeline.lib.contracts.columnar import _text_array
from tests.conftest import HOUR_0, HOUR_1, HOUR_15, LEGACY_2012
from tests.contracts.test_contract_malformed import BASES, FIXTURES, PROPS, json_values


def assert_same(raws, source, max_bytes=1 << 20):
    objects = validate_batch(raws, source=source, max_bytes=max_bytes)
    columnar = validate_to_arrow(raws, source=source, max_bytes=max_bytes)
    expected = events_to_arrow(objects.events)
    assert columnar.events.schema.equals(SILVER_EVENT_SCHEMA)
    assert columnar.events.num_rows == expected.num_rows
    for name in SILVER_EVENT_SCHEMA.names:
        assert columnar.events.column(name).equals(expected.column(name)), name
    assert columnar.event_index == objects.event_index
    assert columnar.quarantined == objects.quarantined
    return columnar


@pytest.mark.parametrize("path", [HOUR_0, HOUR_1, HOUR_15, LEGACY_2012], ids=lambda p: p.name)
def test_real_hours_row_for_row(path):
    with gzip.open(path, "rb") as handle:
        raws = [line.rstrip(b"\n") for line in handle if line.strip()]
    result = assert_same(raws, "gharchive")
    assert result.events.num_rows > 0.9 * len(raws)  # 2012: user and gist events are quarantined


def test_fixtures_and_every_kind_of_rejection_in_one_batch():
    good = [p.read_bytes() for p in sorted(FIXTURES.glob("*/*.json"))]
    base = json.loads(good[0])
    bad_time = json.dumps({**base, "created_at": "yesterday"}).encode()
    negative_id = json.dumps({**base, "id": -4}).encode()
    int_id = json.dumps({**base, "id": 12345}).encode()
    offset_time = json.dumps({**base, "created_at": "2015-01-01T01:30:00+02:00"}).encode()
    no_zone = json.dumps({**base, "created_at": "2015-01-01T01:30:00"}).encode()
    weird = [b"", b"nope", b"[]", b"\xff\xfe", bad_time, negative_id, int_id, offset_time, no_zone, None]
    big = json.dumps({**base, "payload": {"x": "a" * 5000}}).encode()
    raws = [*good, *weird, big, *good]
    result = assert_same(raws, [f"s{i}" for i in range(len(raws))], max_bytes=4096)
    reasons = {raws[i]: q.reason for i, q in result.quarantined}
    assert reasons[bad_time] == "wrong_type" and reasons[big] == "oversized"


def test_an_empty_batch_is_an_empty_table():
    result = validate_to_arrow([], source="x")
    assert result.events.schema.equals(SILVER_EVENT_SCHEMA) and result.events.num_rows == 0


def test_payload_text_past_two_gib_of_offsets_is_chunked(monkeypatch):
    monkeypatch.setattr("ghintel_pipeline.lib.contracts.columnar._INT32_MAX", 10)
    parts = [b'{"a":1}', '{"é":2}'.encode(), b"{}", b'{"b":[1,2]}']
    text = _text_array(parts)
    assert isinstance(text, pa.ChunkedArray) and text.num_chunks == 3
    assert text.to_pylist() == [p.decode() for p in parts]


@PROPS
@given(st.lists(st.tuples(st.sampled_from(BASES), st.integers(0, 7), json_values), min_size=1, max_size=12))
def test_generated_batches_row_for_row(specs):
    raws = []
    for base, kind, value in specs:
        obj = copy.deepcopy(base)
        if kind == 1:
            obj["created_at"] = value if not isinstance(value, str) else value + "T"
        elif kind == 2:
            obj["id"] = value
        elif kind == 3:
            obj["payload"]["action"] = value
        elif kind == 4:
            obj.setdefault("payload", {})["pull_request"] = value
        elif kind == 5:
            obj["actor"] = {"id": 1, "login": value} if isinstance(value, str) else value
        elif kind == 6:
            obj.pop("org", None)
        raw = json.dumps(obj, ensure_ascii=False).encode()
        raws.append(raw[: len(raw) // 2] if kind == 7 else raw)
    assert_same(raws, "test")
