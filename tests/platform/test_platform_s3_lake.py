"""The lake on S3: the pipeline's storage-options path against a local S3-compatible server (moto).

docker-compose.yml runs the lake in MinIO (s3://ghintel/lake, conditional put `etag`); this test runs
the same code path with the same settings against moto's server (a subprocess) on a free loopback port: a GH
Archive hour backfilled, then Kafka records ingested (bronze txn versions on S3), silver read back
with deltalake and the objects checked in the bucket itself.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time

import boto3
import pytest
from deltalake import DeltaTable
from kafka import KafkaProducer

from ghintel_pipeline.lib.kafka.broker import free_port, port_open
from ghintel_pipeline.lib.lake import backfill_gharchive_hour, lake_table_uri, run_ingest, storage_options
from ghintel_pipeline.lib.lake.storage import table_dataset
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import HOUR_0, HOUR_1

BUCKET = "ghintel-test"
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing-secret", "AWS_REGION": "us-east-1"}


@pytest.fixture
def s3_endpoint(tmp_path):
    # A separate process, not moto's ThreadedMotoServer: some deltalake calls (history()) hold the GIL
    # while they wait for HTTP, which would starve an in-process server thread until the call times out.
    port = free_port()
    log = open(tmp_path / "moto.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log
    )
    deadline = time.monotonic() + 30
    while not port_open("127.0.0.1", port):
        assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "moto.log").read_text()
        time.sleep(0.1)
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
        region_name=KEYS["AWS_REGION"],
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.terminate()
    server.wait(10)
    log.close()


@pytest.fixture
def s3_settings(s3_endpoint, ghintel_env, monkeypatch, set_env) -> Settings:
    # The same variables docker-compose.yml gives the app containers, pointed at moto.
    env = {
        "GHINTEL_LAKE_ROOT": f"s3://{BUCKET}/lake",
        "GHINTEL_S3_ENDPOINT_URL": s3_endpoint,
        "GHINTEL_S3_ALLOW_HTTP": "true",
        "GHINTEL_S3_CONDITIONAL_PUT": "etag",
        **KEYS,
    }
    set_env(env)
    # Nothing may silently fall back to the environment's AWS profile or a real AWS endpoint.
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return Settings()


def _distinct_ids(path) -> set[str]:
    with gzip.open(path, "rb") as fh:
        return {json.loads(line)["id"] for line in fh if line.strip()}


def test_backfill_and_ingest_into_an_s3_lake(s3_settings, s3_endpoint):
    opts = storage_options(s3_settings)
    assert opts["AWS_ENDPOINT_URL"] == s3_endpoint and opts["conditional_put"] == "etag"
    silver_uri = lake_table_uri(s3_settings, "silver", "github_events")
    assert silver_uri == f"s3://{BUCKET}/lake/silver/github_events"

    hour_1 = backfill_gharchive_hour(s3_settings, "2015-01-01-1", path_or_url=str(HOUR_1))
    expected = _distinct_ids(HOUR_1)
    assert hour_1["quarantined"] == 0
    silver = DeltaTable(silver_uri, storage_options=opts)
    ids = table_dataset(silver).to_table(columns=["event_id"]).column("event_id").to_pylist()
    assert len(ids) == len(set(ids)) == len(expected)
    assert set(ids) == expected

    # A second backfill of the same hour replaces it: no duplicates on S3 either.
    backfill_gharchive_hour(s3_settings, "2015-01-01-1", path_or_url=str(HOUR_1))
    assert table_dataset(DeltaTable(silver_uri, storage_options=opts)).count_rows() == len(expected)

    # Kafka -> bronze -> silver on S3: the bronze commit carries the per-partition txn versions.
    with gzip.open(HOUR_0, "rb") as fh:
        lines = [line for line, _ in zip(fh, range(500), strict=False)]
    producer = KafkaProducer(bootstrap_servers=s3_settings.kafka_bootstrap_servers)
    for line in lines:
        producer.send(s3_settings.ghintel_topic, line.rstrip(b"\n"))
    producer.flush()
    producer.close()
    summary = run_ingest(s3_settings).to_dict()
    assert summary["bronze_written"] == 500
    hour_0_ids = {json.loads(line)["id"] for line in lines}
    silver = DeltaTable(silver_uri, storage_options=opts)
    assert table_dataset(silver).count_rows() == len(expected) + len(hour_0_ids)
    assert run_ingest(s3_settings).to_dict()["bronze_written"] == 0  # offsets stored on S3 hold

    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=KEYS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["AWS_SECRET_ACCESS_KEY"],
        region_name=KEYS["AWS_REGION"],
    )
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix="lake/")["Contents"]]
    assert any(k.startswith("lake/silver/github_events/_delta_log/") for k in keys)
    assert any(k.startswith("lake/bronze/github_events/") and k.endswith(".parquet") for k in keys)
