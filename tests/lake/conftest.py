"""Helpers for the lakehouse tests: produce real GH Archive lines to the real broker, read the lake."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import orjson
import pyarrow.compute as pc
import pytest

from ghintel_pipeline.lib.kafka.producer import RawEventProducer
from ghintel_pipeline.lib.lake import open_table
from ghintel_pipeline.lib.lake.storage import BRONZE, QUARANTINE, SILVER, table_dataset
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import REPO_ROOT

# A normal interpreter exit: `finish` asserts exit code 0, so an abort at teardown fails the test.
RUN_INGEST = (
    "import json, sys\n"
    "from ghintel_pipeline.lib.settings import Settings\n"
    "from ghintel_pipeline.lib.lake import run_ingest\n"
    "print(json.dumps(run_ingest(Settings(), max_rows=int(sys.argv[1])).to_dict()), flush=True)\n"
)
# Reads Delta tables (URIs in argv) as a script would and exits with scans left unfinished (a batch
# iterator still referenced, a head() whose readahead is in flight): what made a reading process
# abort at exit with 134 or 139 (see lib/lake/storage.table_dataset).
READ_TABLES = (
    "import json, sys\n"
    "from deltalake import DeltaTable\n"
    "from ghintel_pipeline.lib.lake.storage import table_dataset\n"
    "counts, unfinished = {}, []\n"
    "for uri in sys.argv[1:]:\n"
    "    data = table_dataset(DeltaTable(uri))\n"
    "    counts[uri] = data.count_rows()\n"
    "    unfinished.append(iter(data.to_batches(batch_size=10)))\n"
    "    next(unfinished[-1])\n"
    "    data.head(5)\n"
    "print(json.dumps(counts), flush=True)\n"
)


def file_lines(path: Path) -> list[bytes]:
    with gzip.open(path, "rb") as fh:
        return [line for line in fh.read().split(b"\n") if line.strip()]


def event_id(line: bytes) -> str:
    return str(orjson.loads(line)["id"])


def produce(bootstrap: str, topic: str, lines: Iterable[bytes], *, hour: str = "2015-01-01-1") -> int:
    with RawEventProducer(bootstrap, topic) as producer:
        for line in lines:
            try:
                key = str(orjson.loads(line)["repo"]["id"]).encode()
            except Exception:
                key = None
            producer.send(
                line,
                key,
                [("source", b"gharchive"), ("file", f"{hour}.json.gz".encode()), ("hour", hour.encode())],
            )
        report = producer.flush()
    assert report.failed == 0, report.errors
    return report.produced


def table_rows(settings: Settings, which, columns=None):
    table = open_table(settings, which)
    assert table is not None, which
    return table_dataset(table).to_table(columns=columns)


def silver_ids(settings: Settings) -> list[str]:
    return table_rows(settings, SILVER, ["event_id"]).column("event_id").to_pylist()


def bronze_coords(settings: Settings) -> list[tuple]:
    rows = table_rows(settings, BRONZE, ["kafka_epoch", "kafka_partition", "kafka_offset"])
    rows = rows.filter(pc.is_valid(rows.column("kafka_offset")))
    return list(zip(*(rows.column(c).to_pylist() for c in rows.column_names), strict=True))


def quarantine_rows(settings: Settings) -> list[dict]:
    table = open_table(settings, QUARANTINE)
    if table is None:
        return []
    return (
        table_dataset(table)
        .to_table(columns=["reason", "kafka_partition", "kafka_offset", "gharchive_hour"])
        .to_pylist()
    )


def versions(settings: Settings) -> dict:
    return {
        "/".join(w): (open_table(settings, w).version() if open_table(settings, w) else None)
        for w in (BRONZE, SILVER, QUARANTINE)
    }


def spawn_ingest(env: dict, max_rows: int = 2000, extra_env: dict | None = None) -> subprocess.Popen:
    full = {**os.environ, **env, **(extra_env or {})}
    return subprocess.Popen(
        [sys.executable, "-c", RUN_INGEST, str(max_rows)],
        env=full,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def read_in_subprocess(uris: list[str]) -> dict[str, int]:
    """Row counts of Delta tables read by a fresh process, which must exit with 0."""
    proc = subprocess.Popen(
        [sys.executable, "-c", READ_TABLES, *uris],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    return finish(proc, timeout=60)


def finish(proc: subprocess.Popen, timeout: float = 120) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err.decode()[-3000:]
    return json.loads(out.decode().strip().splitlines()[-1])


@pytest.fixture
def lake_settings(ghintel_env) -> Settings:
    return Settings()
