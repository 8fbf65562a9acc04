"""Dagster: the dbt graph hangs off silver, runs inside the ingest job, and materializes."""

from __future__ import annotations

import json
import shutil
import uuid

import dagster as dg
import pytest

from ghintel_pipeline.lib.gold import DBT_PROJECT_DIR, ensure_manifest
from ghintel_pipeline.lib.gold.marts import MARTS


def _manifest_counts() -> tuple[int, int]:
    """Models dbt materializes (ephemeral ones are inlined, no asset) and data tests, per the manifest."""
    nodes = json.loads(ensure_manifest().read_text())["nodes"].values()
    models = sum(
        1 for n in nodes if n["resource_type"] == "model" and n["config"]["materialized"] != "ephemeral"
    )
    tests = sum(1 for n in nodes if n["resource_type"] == "test")
    return models, tests


GOLD_MODELS, DATA_TESTS = _manifest_counts()


def test_definitions_chain_bronze_silver_gold():
    from ghintel_pipeline.definitions import build_definitions
    from ghintel_pipeline.defs.gold_dbt.assets import gold_dbt_models
    from ghintel_pipeline.defs.jobs import ingest_selection

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    gold = set(gold_dbt_models.keys)
    assert len(gold) == GOLD_MODELS
    # Besides the dbt models, gold holds the agents' tables, downstream of the marts in the lineage.
    others = {k for k in graph.get_all_asset_keys() if k.path[0] == "gold"} - gold
    assert others == {dg.AssetKey(["gold", "rag_documents"]), dg.AssetKey(["gold", "anomaly_investigations"])}
    assert all(graph.get(k).parent_keys & gold for k in others)
    silver = dg.AssetKey(["silver", "github_events"])
    assert silver in graph.get(dg.AssetKey(["gold", "stg_github__events"])).parent_keys
    assert dg.AssetKey(["bronze", "github_events"]) in graph.get(silver).parent_keys
    assert (
        dg.AssetKey(["gold", "int_events_aggregated_to_repo_actor_hours"])
        in graph.get(dg.AssetKey(["gold", "fct_repo_activity_hourly"])).parent_keys
    )
    assert gold <= set(ingest_selection.resolve(graph))
    assert set(defs.resolve_job_def("build_gold_job").asset_layer.executable_asset_keys) == gold


def test_gold_materializes_through_dagster(via_dagster):
    result = via_dagster.summary
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert len(materialized) == GOLD_MODELS
    checks = result.get_asset_check_evaluations()
    assert len(checks) == DATA_TESTS and all(c.passed for c in checks)
    by_key = {e.asset_key: e.materialization.metadata for e in result.get_asset_materialization_events()}
    fct = by_key[dg.AssetKey(["gold", "fct_repo_activity_hourly"])]
    assert fct["gold_plan"].value == "incremental" and fct["delta_write"].value == "replace_hours"


@pytest.mark.slow  # dbt parses a copy of the project
def test_manifest_is_generated_from_a_clean_checkout(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    manifest = ensure_manifest(project)
    assert manifest == project / "target" / "manifest.json"
    nodes = json.loads(manifest.read_text())["nodes"]
    models = [n for n in nodes.values() if n["resource_type"] == "model"]
    assert sum(1 for n in models if n["config"]["materialized"] != "ephemeral") == GOLD_MODELS
    # The mart registry (API, status, export) is what dbt reads from the marts' properties.
    marts = {
        n["name"]: n["config"]["meta"].get("gold")
        for n in nodes.values()
        if n["resource_type"] == "model" and n["path"].startswith("marts/")
    }
    assert {m.name: (m.grain, list(m.partition_by)) for m in MARTS} == {
        name: (gold["grain"], gold["partition_by"]) for name, gold in marts.items()
    }
    # The incremental header macro configures the model it is called from.
    config = nodes["model.ghintel.fct_org_activity_daily"]["config"]
    assert config["materialized"] == "incremental"
    assert config["incremental_strategy"] == "replace_recomputed"
    assert config["recompute"] == {"grain": "day", "column": "event_date"}


def test_a_run_that_adds_nothing_skips_gold_and_its_checks(via_dagster, bootstrap):
    from ghintel_pipeline.defs.gold_dbt import defs as gold_defs
    from ghintel_pipeline.defs.gold_dbt.assets import gold_dbt_models
    from ghintel_pipeline.defs.resources import KafkaResource, LakeResource
    from ghintel_pipeline.defs.silver.assets import ingest_github_events
    from ghintel_pipeline.lib.kafka.broker import ensure_topic

    topic = f"gold-noop-{uuid.uuid4().hex[:8]}"
    ensure_topic(bootstrap, topic, 1)  # the real ingest step, over a topic with nothing new
    result = dg.materialize(
        [ingest_github_events, gold_dbt_models],
        resources={
            "dbt": gold_defs.resources["dbt"],
            "lake": LakeResource(),
            "kafka": KafkaResource(bootstrap_servers=bootstrap, topic=topic, partitions=1),
        },
        raise_on_error=False,
    )
    assert result.success
    # Nothing new in bronze and gold up to date: no "0 / N passed", no materialization to go stale.
    assert result.get_asset_materialization_events() == []
    assert result.get_asset_check_evaluations() == []
    skipped = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"]
    assert skipped == ["gold_dbt_models"]
