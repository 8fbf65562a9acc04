"""Exactly-once under concurrent runs and SIGKILLs at random points while data keeps arriving."""

from __future__ import annotations

import random
import signal
import time

import pytest

from ghintel_pipeline.lib.lake import lake_table_uri, run_ingest
from ghintel_pipeline.lib.lake.storage import BRONZE, QUARANTINE, SILVER
from tests.conftest import HOUR_0, HOUR_15
from tests.lake.conftest import (
    bronze_coords,
    event_id,
    file_lines,
    finish,
    produce,
    quarantine_rows,
    read_in_subprocess,
    silver_ids,
    spawn_ingest,
)

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def test_two_overlapping_runs_never_duplicate(lake_settings, ghintel_env, bootstrap, topic):
    lines = file_lines(HOUR_0)[:4000]
    produce(bootstrap, topic, lines, hour="2015-01-01-0")
    # Small batches so both processes race on many commits of the same partitions.
    procs = [spawn_ingest(ghintel_env, max_rows=500) for _ in range(2)]
    results = [finish(p) for p in procs]
    assert sum(r["bronze_written"] for r in results) == len(lines)
    coords = bronze_coords(lake_settings)
    assert len(coords) == len(set(coords)) == len(lines)
    ids = silver_ids(lake_settings)
    assert len(ids) == len(set(ids)) == len({event_id(line) for line in lines})


def test_sigkill_at_random_points_then_clean_run_is_exactly_once(
    lake_settings, ghintel_env, bootstrap, topic
):
    rng = random.Random(20150101)
    lines = file_lines(HOUR_15)[:5000]
    chunks = [lines[i::9] + [b'{"broken": ', b"\xff" + str(i).encode()] for i in range(9)]
    produce(bootstrap, topic, chunks[0], hour="2015-01-01-15")
    points = ["bronze_write", "between", "quarantine", "merge", None]
    killed = 0
    for i, chunk in enumerate(chunks[1:]):
        point = points[i % len(points)]
        extra = {}
        if point:
            extra = {
                "GHINTEL_FAULT_POINT": point,
                "GHINTEL_FAULT_DELAY_MS": str(rng.choice([0, 0, 5, 30, 120])),
            }
        proc = spawn_ingest(ghintel_env, max_rows=rng.choice([300, 700, 1500]), extra_env=extra)
        # More data keeps arriving while the run is going on.
        produce(bootstrap, topic, chunk, hour="2015-01-01-15")
        if point is None:
            time.sleep(rng.uniform(1.5, 4.0))
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=120)
        killed += proc.returncode == -signal.SIGKILL
    assert killed >= 6, "the fault points were not reached: the test would prove nothing"
    final = run_ingest(lake_settings)
    assert final.bronze.caught_up
    coords = bronze_coords(lake_settings)
    assert len(coords) == len(set(coords)) == len(lines) + 18
    ids = silver_ids(lake_settings)
    assert len(ids) == len(set(ids))
    assert set(ids) == {event_id(line) for line in lines}
    rejected = quarantine_rows(lake_settings)
    assert len(rejected) == 18
    assert len({(r["kafka_partition"], r["kafka_offset"]) for r in rejected}) == 18
    # A process that only reads the recovered lake exits cleanly (it aborted with exit 134 before).
    uris = [lake_table_uri(lake_settings, *which) for which in (BRONZE, SILVER, QUARANTINE)]
    assert list(read_in_subprocess(uris).values()) == [len(lines) + 18, len(set(ids)), 18]
