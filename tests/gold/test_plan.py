"""Planning a gold run: touched hours from silver's new files, vars/args, environment."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from ghintel_pipeline.lib.gold import dbt_env, hours_touched_since, plan_gold_run
from ghintel_pipeline.lib.gold.plan import GoldPlan, to_hour
from ghintel_pipeline.lib.lake import lake_table_uri
from ghintel_pipeline.lib.settings import Settings

UTC = dt.UTC


def hour(h: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2015, 1, 1, h, minute, tzinfo=UTC)


def append_silver(settings: Settings, times: list[dt.datetime]) -> None:
    table = pa.table(
        {
            "event_id": [str(i) for i in range(len(times))],
            "event_hour": pa.array([to_hour(t) for t in times], pa.timestamp("us", tz="UTC")),
            "event_date": pa.array([t.date() for t in times], pa.date32()),
        }
    )
    write_deltalake(
        lake_table_uri(settings, "silver", "github_events"), table, mode="append", partition_by=["event_date"]
    )


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(ghintel_home=tmp_path)


def test_to_hour_accepts_text_and_datetimes():
    assert to_hour("2015-01-01T15:42:10Z") == hour(15)
    assert to_hour("2015-01-01 15:00:00+01:00") == hour(14)
    assert to_hour(dt.datetime(2015, 1, 1, 15, 30)) == hour(15)


def test_touched_hours_come_from_files_added_after_the_watermark(settings):
    append_silver(settings, [hour(10, 5), hour(10, 50)])  # version 0
    append_silver(settings, [hour(11, 1), hour(11, 59)])  # version 1: one hour, known from stats
    append_silver(settings, [hour(12, 30), hour(13, 1), hour(13, 2)])  # version 2: file is read
    assert hours_touched_since(settings, 0) == {hour(11), hour(12), hour(13)}
    assert hours_touched_since(settings, 1) == {hour(12), hour(13)}
    assert hours_touched_since(settings, 2) == set()


def test_an_unloadable_watermark_means_rebuild(settings):
    append_silver(settings, [hour(10)])
    assert hours_touched_since(settings, 7) is None


def test_no_silver_means_nothing_to_do(settings):
    assert plan_gold_run(settings).mode == "noop"


def test_without_gold_state_the_plan_is_a_full_build(settings):
    append_silver(settings, [hour(10)])
    plan = plan_gold_run(settings, event_hours=["2015-01-01T10:00:00Z"])
    assert plan.mode == "full" and plan.silver_version == 0


def test_dbt_args_carry_hours_as_vars_and_full_refresh():
    incremental = GoldPlan("incremental", "", 3, 2, [hour(1), hour(0)], as_of=hour(5))
    args = incremental.dbt_args()
    assert args[:3] == ["build", "--exclude-resource-type", "unit_test"]
    assert json.loads(args[args.index("--vars") + 1]) == {
        "event_hours": ["2015-01-01T01:00:00Z", "2015-01-01T00:00:00Z"],
        "as_of": "2015-01-01T05:00:00Z",
    }
    assert "--full-refresh" not in args
    assert "--full-refresh" in GoldPlan("full", "", 3).dbt_args()


def test_dbt_env_is_absolute_and_carries_s3_settings(tmp_path):
    local = dbt_env(Settings(ghintel_home=tmp_path / "home"))
    assert local["GHINTEL_LAKE_ROOT"] == str(tmp_path / "home" / "lakehouse")
    assert local["GHINTEL_DBT_DUCKDB_PATH"] == str(tmp_path / "home" / "dbt" / "ghintel.duckdb")
    assert local["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "false"
    s3 = dbt_env(
        Settings(
            ghintel_home=tmp_path,
            ghintel_lake_root="s3://lake/prefix/",
            ghintel_s3_endpoint_url="http://127.0.0.1:9000",
            aws_access_key_id="key",
            aws_secret_access_key="secret",
        )
    )
    assert s3["GHINTEL_LAKE_ROOT"] == "s3://lake/prefix"
    assert s3["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9000" and s3["AWS_ACCESS_KEY_ID"] == "key"
