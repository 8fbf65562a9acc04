"""The Dagster side: the asset materializes with its metadata, the schedule fires on its cron."""

from __future__ import annotations

import base64
import datetime as dt

import dagster as dg
import pytest

from ghintel_pipeline.defs.reports import build_defs as build_report_defs
from ghintel_pipeline.defs.reports.assets import ANOMALY_REPORT_KEY, GOLD_DEPS, anomaly_report
from ghintel_pipeline.defs.reports.schedules import build_report_schedule
from ghintel_pipeline.defs.resources import LakeResource
from ghintel_pipeline.lib.settings import Settings
from tests.reports.conftest import PNG_SIGNATURE, assert_report_matches_gold


def _report_materialization(result: dg.ExecuteInProcessResult) -> dg.AssetMaterialization:
    [materialization] = [m for m in result.get_asset_materialization_events()]
    return materialization.materialization


def test_anomaly_report_asset_materializes_with_metadata(sample_settings, monkeypatch):
    monkeypatch.setenv("GHINTEL_HOME", str(sample_settings.home))
    result = dg.materialize([anomaly_report], resources={"lake": LakeResource()})
    assert result.success
    mat = _report_materialization(result)
    assert mat.asset_key == ANOMALY_REPORT_KEY
    meta = mat.metadata

    assert meta["anomalies"].value == 4
    assert meta["anomalies_high"].value == 2
    assert meta["trending_repos"].value == 12
    assert meta["gap_hours"].value == 1
    summary = meta["summary"]
    assert isinstance(summary, dg.MarkdownMetadataValue)
    assert "| 1 | high | repo alice/rocket | stars |" in summary.value
    for key in ("anomalies_chart", "coverage_chart"):
        chart = meta[key].value
        prefix = f"![{key.removesuffix('_chart')}.png](data:image/png;base64,"
        assert chart.startswith(prefix) and chart.endswith(")")
        assert base64.b64decode(chart[len(prefix) : -1]).startswith(PNG_SIGNATURE)
    report_md = meta["file_report_md"].value
    assert report_md.startswith(str(sample_settings.home / "reports"))
    assert_report_matches_gold(sample_settings, open(report_md).read())
    assert meta["latest"].value == str(sample_settings.home / "reports" / "latest")
    assert meta["as_of"].value == dt.datetime(2015, 1, 3, 12, tzinfo=dt.UTC).timestamp()


def test_lake_resource_root_overrides_environment(sample_settings, tmp_path, monkeypatch):
    """A run pointed at a lake by resource config reads that lake; the report goes to GHINTEL_HOME."""
    monkeypatch.setenv("GHINTEL_HOME", str(tmp_path / "other-home"))
    result = dg.materialize(
        [anomaly_report], resources={"lake": LakeResource(root=sample_settings.lake_root)}
    )
    meta = _report_materialization(result).metadata
    assert meta["anomalies"].value == 4
    assert meta["file_report_md"].value.startswith(str(tmp_path / "other-home" / "reports"))


def test_report_asset_depends_on_gold_marts():
    spec = anomaly_report.get_asset_spec(ANOMALY_REPORT_KEY)
    assert {dep.asset_key for dep in spec.deps} == set(GOLD_DEPS)
    assert {k.to_user_string() for k in GOLD_DEPS} == {
        "gold/anomalies",
        "gold/repo_trending",
        "gold/data_coverage",
    }


def test_schedule_is_hourly_by_default_and_requests_a_run():
    anomaly_report_schedule = build_report_schedule(Settings())
    assert anomaly_report_schedule.name == "anomaly_report_schedule"
    assert Settings().ghintel_report_cron == "5 * * * *"
    assert anomaly_report_schedule.cron_schedule == Settings().ghintel_report_cron
    assert anomaly_report_schedule.execution_timezone == "UTC"
    assert anomaly_report_schedule.default_status == dg.DefaultScheduleStatus.RUNNING

    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 1, 1, 10, 5, tzinfo=dt.UTC)
    )
    [request] = anomaly_report_schedule.evaluate_tick(context).run_requests
    assert isinstance(request, dg.RunRequest)
    assert anomaly_report_schedule.job_name == "build_anomaly_report_job"


def test_schedule_cron_comes_from_settings(monkeypatch):
    monkeypatch.setenv("GHINTEL_REPORT_CRON", "*/15 * * * *")
    assert build_report_schedule(Settings()).cron_schedule == "*/15 * * * *"
    with pytest.raises(dg.DagsterInvalidDefinitionError):
        build_report_schedule(Settings(ghintel_report_cron="every hour"))


def test_code_location_discovers_the_report_definitions():
    from ghintel_pipeline.definitions import build_definitions

    defs = build_definitions()
    report_defs = build_report_defs(Settings())

    assert defs.resolve_schedule_def("anomaly_report_schedule").cron_schedule == "5 * * * *"
    # the merged location supplies the `lake` resource the report's own Definitions leave out
    job = defs.resolve_job_def("build_anomaly_report_job")
    assert job.asset_layer.executable_asset_keys == {ANOMALY_REPORT_KEY}
    assert {s.name for s in report_defs.schedules} == {"anomaly_report_schedule"}
    # the declared deps are the gold dbt assets of the location, not unresolved stubs
    graph = defs.resolve_asset_graph()
    assert graph.get(ANOMALY_REPORT_KEY).parent_keys == set(GOLD_DEPS)
    assert all(graph.get(key).is_materializable for key in GOLD_DEPS)
