"""The amplified 2025-shaped hours of `ghintel bench ingest`: size, distinct ids, trimmed shapes that
the contract accepts as 2025 events, and the typed DuckDB baseline reading them."""

from __future__ import annotations

import orjson
import pyarrow.compute as pc
import pytest

from benchmarks.ingest import duckdb_read
from benchmarks.workload import MIN_EVENTS_PER_HOUR, amplified_2025_hours
from ghintel_pipeline.lib.contracts import events_to_arrow, validate_batch
from ghintel_pipeline.lib.gharchive.reader import event_lines
from tests.conftest import HOUR_0, HOUR_1, HOUR_15


@pytest.mark.slow  # 150k events through the whole lake path
def test_an_amplified_hour_holds_150k_distinct_2025_shaped_events(tmp_path):
    (path,) = amplified_2025_hours([HOUR_0, HOUR_1, HOUR_15], 1, tmp_path)
    lines = list(event_lines(path))
    events = [orjson.loads(line) for line in lines]
    assert len(lines) >= MIN_EVENTS_PER_HOUR
    assert len({e["id"] for e in events}) == len(events)
    assert {e["created_at"][:14] for e in events} == {"2025-12-01T00:"}
    pushes = [e["payload"] for e in events if e["type"] == "PushEvent"]
    assert pushes and all(set(p) == {"repository_id", "push_id", "ref", "head", "before"} for p in pushes)
    prs = [e["payload"]["pull_request"] for e in events if e["type"] == "PullRequestEvent"]
    assert prs and all(set(pr) == {"url", "id", "number", "head", "base"} for pr in prs)

    sample = lines[:: len(lines) // 2000]
    result = validate_batch(sample, source="gharchive")
    assert not result.quarantined
    table = events_to_arrow(result.events)
    is_push = pc.equal(table.column("event_type"), "PushEvent")
    assert table.filter(is_push).column("commit_count").null_count == pc.sum(is_push).as_py()

    typed = duckdb_read([path], typed=True)
    assert typed["events"] == len(lines) and typed["cpu_seconds"] > 0
