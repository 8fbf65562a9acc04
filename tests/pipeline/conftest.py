"""Fixtures for the Dagster code location: a tmp lake, resources on the test topic, a producer."""

from __future__ import annotations

import dagster as dg
import orjson
import pytest
from deltalake import DeltaTable

from ghintel_pipeline.defs.resources import KafkaResource, LakeResource
from ghintel_pipeline.lib.gharchive import event_lines
from ghintel_pipeline.lib.kafka.producer import RawEventProducer
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import HOUR_1


def produce(bootstrap: str, topic: str, lines: list[bytes]) -> None:
    """Send ``lines`` keyed by repo id (as the real producer does), wait for every ack."""
    with RawEventProducer(bootstrap, topic, linger_ms=20) as producer:
        for line in lines:
            try:
                key = str(orjson.loads(line)["repo"]["id"]).encode()
            except (orjson.JSONDecodeError, KeyError, TypeError):
                key = None
            producer.send(line, key, [("source", b"gharchive")])
        report = producer.flush(timeout_s=60)
    assert report.ok and report.produced == len(lines), report.errors


@pytest.fixture(scope="session")
def hour1_lines() -> list[bytes]:
    return list(event_lines(HOUR_1))


@pytest.fixture
def settings(ghintel_env) -> Settings:
    return Settings()


@pytest.fixture
def resources(ghintel_env) -> dict:
    # Explicit values (not only the environment) so the tests also prove the overrides reach the lib.
    return {
        "kafka": KafkaResource(
            bootstrap_servers=ghintel_env["KAFKA_BOOTSTRAP_SERVERS"], topic=ghintel_env["GHINTEL_TOPIC"]
        ),
        "lake": LakeResource(root=ghintel_env["GHINTEL_HOME"] + "/lakehouse"),
    }


@pytest.fixture
def lake_only_location(monkeypatch):
    """`ghintel ingest/backfill` on the lake domains only (gold's dbt build is tested by its owner)."""
    from ghintel_pipeline.definitions import lake_definitions

    defs = lake_definitions(Settings())
    monkeypatch.setattr("ghintel_pipeline.defs.inprocess.load_definitions", lambda: defs)
    return defs


@pytest.fixture
def instance() -> dg.DagsterInstance:
    with dg.instance_for_test() as inst:
        yield inst


def table_rows(settings: Settings, layer: str, table: str) -> int:
    from ghintel_pipeline.lib.lake import lake_table_uri

    try:
        return DeltaTable(lake_table_uri(settings, layer, table)).count()
    except Exception:
        return 0
