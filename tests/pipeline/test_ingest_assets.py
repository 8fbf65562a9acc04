"""The ingest step (bronze + silver) run by Dagster on a real shared hour in the real broker."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable, write_deltalake

from ghintel_pipeline.defs.silver.assets import ingest_github_events
from ghintel_pipeline.defs.silver.checks import silver_checks
from ghintel_pipeline.lib.contracts import validate_batch
from ghintel_pipeline.lib.lake import lake_table_uri
from tests.pipeline.conftest import produce, table_rows

MALFORMED = [b"{not json", b'{"id": "1", "type": "PushEvent"}', b"\xff\xfe"]


def materialize(resources, instance, **kwargs) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [ingest_github_events, *silver_checks],
        resources=resources,
        instance=instance,
        raise_on_error=False,
        **kwargs,
    )


def metadata(result, key: str) -> dict:
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat.asset_key.to_user_string() == key:
            return {k: v.value for k, v in mat.metadata.items()}
    raise AssertionError(f"no materialization of {key}")


def checks(result) -> dict[str, bool]:
    return {
        e.event_specific_data.check_name: e.event_specific_data.passed
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


@pytest.mark.slow
def test_hour_equals_distinct_events_and_twice_changes_nothing(
    instance, resources, settings, bootstrap, topic, hour1_lines
):
    # The hour, 300 of its events re-sent (at-least-once producers do that) and 3 broken records.
    sent = hour1_lines + hour1_lines[:300] + MALFORMED
    produce(bootstrap, topic, sent)
    expected = validate_batch(hour1_lines, source="gharchive")
    distinct = len({e.event_id for e in expected.events})

    first = materialize(resources, instance)
    assert first.success
    bronze_meta, silver_meta = (
        metadata(first, "bronze/github_events"),
        metadata(first, "silver/github_events"),
    )
    assert bronze_meta["rows_written"] == len(sent) and bronze_meta["lag_before"] > 0
    assert bronze_meta["events_per_s"] > 0 and bronze_meta["caught_up"] is True
    assert silver_meta["rows_written"] == distinct
    assert silver_meta["duplicates"] == 300 and silver_meta["quarantined"] == len(MALFORMED)
    assert silver_meta["event_dates_touched"] == ["2015-01-01"]
    assert all(checks(first).values()), checks(first)

    silver = DeltaTable(lake_table_uri(settings, "silver", "github_events"))
    ids = silver.to_pyarrow_table(columns=["event_id"]).column("event_id")
    assert len(ids) == distinct == len(pc.unique(ids))
    assert ids.to_pylist() and set(ids.to_pylist()) == {e.event_id for e in expected.events}
    assert table_rows(settings, "silver", "github_events_quarantine") == len(MALFORMED)
    versions = {
        t: DeltaTable(lake_table_uri(settings, *t.split("/"))).version()
        for t in ("bronze/github_events", "silver/github_events")
    }

    second = materialize(resources, instance)
    assert second.success
    assert metadata(second, "bronze/github_events")["rows_written"] == 0
    assert metadata(second, "silver/github_events")["rows_written"] == 0
    assert table_rows(settings, "bronze", "github_events") == len(sent)
    assert table_rows(settings, "silver", "github_events") == distinct
    # Nothing new: no commit on silver (bronze may only record its empty-verify read).
    assert (
        DeltaTable(lake_table_uri(settings, "silver", "github_events")).version()
        == versions["silver/github_events"]
    )


# A chunk of only duplicates makes delta-rs skip the merge commit; the txns must still move.
@pytest.mark.timeout(120)
@pytest.mark.slow
def test_a_run_of_only_duplicates_terminates_and_moves_on(
    instance, resources, settings, bootstrap, topic, hour1_lines
):
    # At-least-once producers and replays re-send whole batches; a chunk with nothing new must
    # still advance silver's offsets (a no-op Delta merge commits nothing, txn included).
    produce(bootstrap, topic, hour1_lines[:200])
    assert materialize(resources, instance).success
    produce(bootstrap, topic, hour1_lines[:200])
    again = materialize(resources, instance)
    assert again.success
    assert metadata(again, "silver/github_events")["duplicates"] == 200
    assert metadata(again, "silver/github_events")["rows_written"] == 0
    assert table_rows(settings, "silver", "github_events") == 200


def _append(settings, rows: pa.Table) -> None:
    write_deltalake(
        lake_table_uri(settings, "silver", "github_events"), rows, mode="append", partition_by=["event_date"]
    )


@pytest.mark.slow
def test_checks_fail_on_injected_bad_data(instance, resources, settings, bootstrap, topic, hour1_lines):
    produce(bootstrap, topic, hour1_lines[:400])
    assert all(checks(materialize(resources, instance)).values())
    only_checks = dg.AssetSelection.all_asset_checks()
    silver = DeltaTable(lake_table_uri(settings, "silver", "github_events")).to_pyarrow_table()

    _append(settings, silver.slice(0, 2))  # the same two events again: duplicate event_ids
    result = materialize(resources, instance, selection=only_checks)
    assert checks(result)["silver_event_id_unique"] is False
    assert checks(result)["silver_no_future_created_at"] is True

    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    row = silver.slice(2, 1).to_pylist()[0] | {
        "event_id": "999999999999",
        "created_at": future,
        "event_date": future.date(),
        "event_hour": future.replace(minute=0, second=0, microsecond=0),
    }
    _append(settings, pa.Table.from_pylist([row], schema=silver.schema))
    result = materialize(resources, instance, selection=only_checks)
    assert checks(result)["silver_no_future_created_at"] is False


@pytest.mark.slow
def test_quarantine_share_check_fails_when_most_records_are_rejected(
    instance, resources, bootstrap, topic, hour1_lines
):
    produce(bootstrap, topic, hour1_lines[:20] + [b"{broken %d" % i for i in range(30)])
    result = materialize(resources, instance)
    assert checks(result)["quarantine_share_below_threshold"] is False
    evaluation = next(
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name == "quarantine_share_below_threshold"
    )
    assert evaluation.metadata["reasons"].value == {"malformed_json": 30}
    # A failed non-blocking check does not fail the run: gold still follows.
    assert result.success
