"""One registry of marts: the dbt properties (``config.meta.gold``) and the manifest. Every list of
marts or state models in Python is derived from them, so adding a mart is its .sql and .yml."""

from __future__ import annotations

import json
import shutil

from ghintel_api.core import lake
from ghintel_pipeline.lib.gold import DBT_PROJECT_DIR, ensure_manifest, export, marts, plan
from ghintel_pipeline.lib.platform import status
from ghintel_pipeline.lib.settings import Settings


def _manifest_models() -> list[dict]:
    nodes = json.loads(ensure_manifest().read_text())["nodes"].values()
    return [n for n in nodes if n["resource_type"] == "model"]


def test_marts_are_the_models_with_gold_meta_in_the_manifest():
    registered = {n["name"] for n in _manifest_models() if n["config"]["meta"].get("gold")}
    assert set(marts.MART_NAMES) == registered
    assert {"fct_actor_activity_hourly", "fct_org_actor_activity_hourly", "anomalies"} <= registered


def test_state_models_are_the_incremental_models_and_cover_the_incremental_marts():
    incremental = {n["name"] for n in _manifest_models() if n["config"]["materialized"] == "incremental"}
    assert set(marts.state_models()) == incremental
    assert {m.name for m in marts.MARTS if m.incremental} <= incremental
    assert "int_events_aggregated_to_repo_actor_hours" in incremental


def test_every_consumer_reads_the_registry():
    assert lake.GOLD_TABLES[: len(marts.MART_NAMES)] == marts.MART_NAMES
    assert status.gold_table_names(Settings(ghintel_lake_root="s3://bucket/lake")) == set(marts.MART_NAMES)
    assert export.MARTS is marts.MARTS and plan.MARTS is marts.MARTS
    assert lake._SORT_KEYS["fct_org_actor_activity_hourly"] == '"org_login", "event_hour", "actor_login"'


def test_a_new_mart_yml_is_registered(tmp_path):
    shutil.copytree(DBT_PROJECT_DIR / "models", tmp_path / "models")
    (tmp_path / "models" / "marts" / "fct_fake_daily.yml").write_text(
        "version: 2\nmodels:\n  - name: fct_fake_daily\n    config:\n      meta:\n"
        "        gold: {grain: day, partition_by: [event_date], sort_by: [event_date]}\n"
    )
    registered = {m.name: m for m in marts._registered_marts(tmp_path)}
    assert set(registered) == {*marts.MART_NAMES, "fct_fake_daily"}
    fake = registered["fct_fake_daily"]
    assert fake.incremental and fake.partition_by == ("event_date",) and fake.sort_by == ("event_date",)
