"""The freshness benchmark's own logic, without a platform: probes, run attribution, percentiles."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from benchmarks.freshness import make_probe, sample_lines
from benchmarks.freshness_runs import (
    GOLD_MARKS,
    Probe,
    attribute,
    breakdown,
    percentile,
    segments,
)
from ghintel_pipeline.lib.contracts import validate_event
from ghintel_pipeline.lib.contracts.quarantine import QuarantineRecord
from tests.conftest import HOUR_1


def test_probes_are_valid_unique_events_of_their_own_repo_and_org():
    now = datetime(2026, 11, 26, 12, 30, 5, 123456, tzinfo=UTC)
    templates = sample_lines(HOUR_1, 20)
    assert len(templates) == 20
    made = [make_probe(t, stamp=4242, round_no=3, index=300 + i, now=now) for i, t in enumerate(templates)]
    ids = {probe.event_id for probe, _ in made}
    assert len(ids) == 20
    for (probe, raw), template in zip(made, templates, strict=True):
        event = validate_event(raw, source="gharchive")
        assert not isinstance(event, QuarantineRecord), event
        assert event.event_id == probe.event_id and str(event.repo_id) == probe.event_id
        assert event.repo_name == probe.repo and probe.repo.startswith("ghintel-fresh-4242-r3/")
        assert event.org_login == probe.org == "ghintel-fresh-4242-r3"
        assert event.created_at == now.replace(microsecond=0)
        assert event.event_type == template["type"]  # a real event shape, only relabelled
        assert orjson.loads(raw)["payload"] == template["payload"]


def run(run_id: str, created: float, ingest_end: float, *, gold_end: float) -> dict:
    return {
        "run_id": run_id,
        "status": "SUCCESS",
        "trigger": "new records",
        "marks": {
            "run_created": created,
            "run_dequeued": created + 2,
            "ingest_start": created + 10,
            "ingest_end": ingest_end,
            "gold_start": ingest_end + 2,
            "gold_end": gold_end,
        },
    }


def test_each_probe_gets_the_run_that_made_it_visible_and_segments_add_up():
    runs = [run("a", 100, 112, gold_end=150), run("b", 160, 172, gold_end=210)]
    early = Probe("1", "o/e1", "o", 1, delivered=95, silver_seen=113.5, gold_seen=151)
    # Delivered while run a was busy: the next run (b) carries it.
    late = Probe("2", "o/e2", "o", 1, delivered=120, silver_seen=173.2, gold_seen=209.5)
    attribute([early, late], runs)
    assert (early.run_id, late.run_id) == ("a", "b")
    # The API saw late's gold before Dagster logged the step's end: the mark is capped, nothing negative.
    assert late.marks["gold_end"] == 209.5
    for probe in (early, late):
        parts = segments(probe, GOLD_MARKS, "gold_seen")
        assert all(v >= 0 for v in parts.values()), parts
        assert sum(parts.values()) == pytest.approx(probe.gold_latency)
    assert segments(late, GOLD_MARKS, "gold_seen")["run_created"] == pytest.approx(40)  # sensor wait
    table = breakdown([early, late], GOLD_MARKS, "gold_seen")
    assert table["run_created"]["n"] == 2 and table["run_created"]["max"] == pytest.approx(40)
    # Silver commits land during the ingest step: seen before the step's end, still that run's.
    during = Probe("4", "o/e4", "o", 2, delivered=150, silver_seen=171.0)
    attribute([during], runs)
    assert during.run_id == "b" and during.marks["ingest_end"] == 171.0


def test_a_probe_never_seen_is_left_out():
    probe = Probe("3", "o/e3", "o", 2, delivered=10)
    attribute([probe], [run("a", 100, 112, gold_end=150)])
    assert probe.run_id is None and segments(probe, GOLD_MARKS, "gold_seen") is None


def test_percentile_is_nearest_rank():
    assert percentile([], 0.95) is None
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.5) == 10 and percentile(values, 0.95) == 19
    assert percentile([3.0, 1.0, 2.0], 0.95) == 3  # with few samples p95 is the maximum
