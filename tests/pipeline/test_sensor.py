"""kafka_github_events_sensor against the real broker: plans only, fresh keys, no pile-up, loud resets."""

from __future__ import annotations

import json
import subprocess

import dagster as dg
import pytest
from deltalake import CommitProperties, Transaction, write_deltalake

from ghintel_pipeline.defs.bronze.sensors import build_kafka_sensor
from ghintel_pipeline.defs.jobs import INGEST_JOB_NAME
from ghintel_pipeline.defs.run_health import cli_run_tags
from ghintel_pipeline.defs.silver.assets import ingest_github_events
from ghintel_pipeline.lib.lake import BRONZE_SCHEMA, bronze_app_id, lake_table_uri
from ghintel_pipeline.lib.settings import Settings
from tests.pipeline.conftest import produce


def tick(instance, resources, cursor=None):
    context = dg.build_sensor_context(cursor=cursor, resources=resources, instance=instance)
    result = build_kafka_sensor(Settings())(context)
    return result, context


def requests_of(result) -> list[dg.RunRequest]:
    return list(result.run_requests or []) if isinstance(result, dg.SensorResult) else []


def add_run(instance, run_key: str, status: dg.DagsterRunStatus) -> None:
    instance.add_run(
        dg.DagsterRun(job_name=INGEST_JOB_NAME, status=status, tags={"dagster/run_key": run_key})
    )


def test_empty_topic_skips(instance, resources):
    result, _ = tick(instance, resources)
    assert isinstance(result, dg.SkipReason)
    assert "caught up" in result.skip_message


def test_new_data_requests_a_run_and_records_the_fingerprint(
    instance, resources, bootstrap, topic, hour1_lines
):
    produce(bootstrap, topic, hour1_lines[:50])
    result, _ = tick(instance, resources)
    (request,) = requests_of(result)
    cursor = json.loads(result.cursor)
    assert cursor["fingerprint"] and cursor["run_key"] == request.run_key
    assert request.tags["ghintel/plan-fingerprint"] == cursor["fingerprint"]
    assert int(request.tags["ghintel/lag"]) > 0


@pytest.mark.slow
def test_failed_run_does_not_stall_ingestion(instance, resources, bootstrap, topic, hour1_lines):
    produce(bootstrap, topic, hour1_lines[:50])
    first, _ = tick(instance, resources)
    (request,) = requests_of(first)
    add_run(instance, request.run_key, dg.DagsterRunStatus.FAILURE)

    second, _ = tick(instance, resources, cursor=first.cursor)
    (retry,) = requests_of(second)
    assert retry.run_key != request.run_key
    add_run(instance, retry.run_key, dg.DagsterRunStatus.FAILURE)
    third, _ = tick(instance, resources, cursor=second.cursor)
    assert requests_of(third)[0].run_key not in {request.run_key, retry.run_key}


def test_no_pile_up_while_a_run_is_in_progress(instance, resources, bootstrap, topic, hour1_lines):
    produce(bootstrap, topic, hour1_lines[:50])
    add_run(instance, "some-earlier-key", dg.DagsterRunStatus.STARTED)
    result, _ = tick(instance, resources)
    assert isinstance(result, dg.SkipReason)
    assert "waiting" in result.skip_message


@pytest.mark.slow
def test_caught_up_after_the_run_skips(instance, resources, bootstrap, topic, hour1_lines):
    produce(bootstrap, topic, hour1_lines[:200])
    first, _ = tick(instance, resources)
    assert requests_of(first)
    dg.materialize([ingest_github_events], resources=resources, instance=instance)
    result, _ = tick(instance, resources, cursor=first.cursor)
    assert isinstance(result, dg.SkipReason), result
    produce(bootstrap, topic, hour1_lines[200:210])
    again, _ = tick(instance, resources, cursor=first.cursor)
    assert json.loads(again.cursor)["fingerprint"] != json.loads(first.cursor)["fingerprint"]


def test_broker_reset_is_loud(instance, resources, settings, topic):
    # Bronze claims offsets up to 99 on partition 0 while the (fresh) topic is empty: what a
    # memory-only broker looks like after a restart.
    write_deltalake(
        lake_table_uri(settings, "bronze", "github_events"),
        BRONZE_SCHEMA.empty_table(),
        partition_by=["ingest_date"],
        commit_properties=CommitProperties(app_transactions=[Transaction(bronze_app_id(topic, 0), 99)]),
    )
    result, _ = tick(instance, resources)
    assert isinstance(result, dg.SkipReason)
    assert "BROKER RESET SUSPECTED" in result.skip_message
    assert "accept-broker-reset" in result.skip_message


def test_a_landed_backfill_triggers_one_ingest_run(instance, resources):
    instance.report_runless_asset_event(
        dg.AssetMaterialization(["sources", "gharchive_hourly"], partition="2015-01-01-01")
    )
    result, _ = tick(instance, resources)
    (request,) = requests_of(result)
    assert request.tags["ghintel/trigger"] == "GH Archive backfill landed"
    assert isinstance(tick(instance, resources, cursor=result.cursor)[0], dg.SkipReason)


def test_a_run_left_by_a_killed_cli_process_does_not_block(
    instance, resources, bootstrap, topic, hour1_lines
):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = dg.DagsterRun(
        job_name=INGEST_JOB_NAME,
        status=dg.DagsterRunStatus.STARTED,
        tags={**cli_run_tags(), "ghintel/pid": str(dead.pid)},
    )
    instance.add_run(stale)
    produce(bootstrap, topic, hour1_lines[:20])
    result, _ = tick(instance, resources)
    assert requests_of(result), result
    assert instance.get_run_by_id(stale.run_id).status == dg.DagsterRunStatus.FAILURE
    # A live CLI run (this process) is respected: the tick waits for it.
    instance.add_run(
        dg.DagsterRun(job_name=INGEST_JOB_NAME, status=dg.DagsterRunStatus.STARTED, tags=cli_run_tags())
    )
    assert isinstance(tick(instance, resources, cursor=result.cursor)[0], dg.SkipReason)
