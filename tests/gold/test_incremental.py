"""Incremental runs: late data updates its hour, only touched partitions are rewritten, a full
refresh reproduces the incremental result, and a re-run without new data changes nothing."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from deltalake import DeltaTable

from ghintel_pipeline.lib.gold import MARTS, build_gold
from ghintel_pipeline.lib.lake import lake_table_uri
from tests.gold.conftest import H0, H1, LATE_REPO


def repo_hour(stage, hour) -> dict:
    table = stage.gold["fct_repo_activity_hourly"].to_pylist()
    (row,) = [r for r in table if r["repo_id"] == LATE_REPO["id"] and r["event_hour"] == hour]
    return row


def test_first_run_is_a_full_build(built):
    assert built.summary["mode"] == "full"
    assert all(item["mode"] == "overwrite" for item in built.summary["exported"].values())
    assert built.summary["dbt"]["success"] and built.summary["dbt"]["failures"] == []


def test_late_event_updates_its_hour_only(built, late):
    assert late.summary["mode"] == "incremental"
    assert late.summary["event_hours"] == [H0.strftime("%Y-%m-%dT%H:00:00Z")]
    before, after = repo_hour(built, H0), repo_hour(late, H0)
    assert after["stars"] == before["stars"] + 1 and after["events"] == before["events"] + 1
    assert repo_hour(late, H1) == repo_hour(built, H1)
    dims = {r["repo_id"]: r for r in late.gold["dim_repos"].to_pylist()}
    old_dims = {r["repo_id"]: r for r in built.gold["dim_repos"].to_pylist()}
    assert dims[LATE_REPO["id"]]["stars"] == old_dims[LATE_REPO["id"]]["stars"] + 1
    assert dims[LATE_REPO["id"]]["actors"] == old_dims[LATE_REPO["id"]]["actors"] + 1


def test_incremental_export_replaces_only_touched_partitions(late):
    exported = late.summary["exported"]
    for name in ("fct_org_activity_daily", "fct_actor_activity_daily", "anomalies"):
        assert exported[name]["mode"] == "replace_days" and exported[name]["days"] == ["2015-01-01"]
    for name in (
        "fct_repo_activity_hourly",
        "fct_actor_activity_hourly",
        "fct_org_actor_activity_hourly",
        "repo_trending_history",
    ):
        assert exported[name]["mode"] == "replace_hours" and exported[name]["days"] == ["2015-01-01"]
        assert exported[name]["hours"] == [H0.strftime("%Y-%m-%dT%H:00:00Z")]
    for name in ("dim_repos", "repo_trending", "data_coverage"):
        assert exported[name]["mode"] == "overwrite"


@pytest.mark.parametrize("name", ["fct_repo_activity_hourly", "fct_actor_activity_hourly"])
def test_hourly_marts_keep_the_files_of_untouched_hours(built, late, name):
    """An hour is a Delta partition: replacing hour 0 leaves hour 1's files as they were."""
    uri = lake_table_uri(late.settings, "gold", name)

    def files(version: int) -> dict[str, set[str]]:
        actions = pa.table(DeltaTable(uri, version=version).get_add_actions(flatten=True)).to_pylist()
        by_hour: dict[str, set[str]] = {}
        for action in actions:
            by_hour.setdefault(str(action["partition.event_hour"]), set()).add(action["path"])
        return by_hour

    before, after = files(built.versions[name]), files(late.versions[name])
    assert late.versions[name] > built.versions[name] and len(before) == len(after) == 2
    (untouched,) = [hour for hour in before if hour.startswith("2015-01-01 01")]
    (touched,) = [hour for hour in before if hour.startswith("2015-01-01 00")]
    assert after[untouched] == before[untouched] and after[touched] != before[touched]


def test_dagster_run_picked_up_the_second_late_event(late, via_dagster):
    assert via_dagster.summary.success
    before, after = repo_hour(late, H1), repo_hour(via_dagster, H1)
    assert after["stars"] == before["stars"] + 1
    assert repo_hour(via_dagster, H0) == repo_hour(late, H0)


@pytest.mark.parametrize("mart", [m.name for m in MARTS])
def test_full_refresh_equals_incremental(via_dagster, refreshed, mart):
    assert refreshed.summary["mode"] == "full"
    con = duckdb.connect()
    con.register("incremental", via_dagster.gold[mart])
    con.register("rebuilt", refreshed.gold[mart])
    assert via_dagster.gold[mart].num_rows == refreshed.gold[mart].num_rows > 0
    assert con.execute("select * from incremental except all select * from rebuilt").fetchall() == []
    assert con.execute("select * from rebuilt except all select * from incremental").fetchall() == []


def test_rerun_without_new_data_changes_nothing(refreshed):
    summary = build_gold(refreshed.settings)
    assert summary["mode"] == "noop" and summary["dbt"] is None
    for mart in MARTS:
        table = DeltaTable(lake_table_uri(refreshed.settings, "gold", mart.name))
        assert table.version() == refreshed.versions[mart.name]
        watermark = table.history(1)[0]["ghintel.silver_version"]
        assert int(watermark) == refreshed.summary["silver_version"]
