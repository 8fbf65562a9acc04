"""The dbt project as Dagster assets: silver/github_events -> gold/<model>, tests as asset checks.

The body is thin: ``plan_gold_run`` decides the hours, ``dbt build`` runs through dagster-dbt
(so each model and test shows up as a materialization / check result), then
``finish_gold_run`` records the watermark and exports the marts to Delta.
"""

import importlib.metadata
import sys
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version
from pydantic import Field

from ghintel_pipeline.defs.keys import SILVER_KEY
from ghintel_pipeline.defs.resources import LakeResource
from ghintel_pipeline.lib.dagster_instance import LAKE_WRITER_POOL
from ghintel_pipeline.lib.gold import (
    DBT_PROJECT_DIR,
    dbt_env,
    ensure_manifest,
    finish_gold_run,
    gold_lock,
    patched_environ,
    plan_gold_run,
)
from ghintel_pipeline.lib.gold.project import dbt_home

GOLD_GROUP = "gold"

gold_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` (`ghintel dagster dev`): re-parse the project on every load of the location.
gold_dbt_project.prepare_if_dev()


class GoldDbtResource(DbtCliResource):
    """dagster-dbt's resource, without its ``dbt --version`` subprocess before the first command.

    That subprocess imports all of dbt again (seconds of CPU per ``ghintel backfill`` or run);
    when the executable is this environment's own dbt, the installed dbt-core is its version.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable) == Path(sys.executable).with_name("dbt"):
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version


class GoldDbtTranslator(DagsterDbtTranslator):
    """dbt sources keep the lake's keys (``silver/github_events``); every model is ``gold/<name>``."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            key = dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
            if key != SILVER_KEY:
                raise ValueError(f"unexpected dbt source {key.to_user_string()}")
            return key
        return dg.AssetKey(["gold", dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return GOLD_GROUP


class GoldBuildConfig(dg.Config):
    event_hours: list[str] = Field(
        default_factory=list,
        description="Extra event hours to recompute (ISO, UTC); new silver data is always included.",
    )
    full_refresh: bool = Field(default=False, description="Rebuild every mart from all of silver.")
    as_of: str | None = Field(
        default=None, description="Newest hour of repo_trending; default: newest hour in silver."
    )


@dbt_assets(
    # Every other process (webserver, daemon, run workers, the CLI's in-process runs) parses only
    # when the manifest is missing or stale: the same preparer, see ensure_manifest.
    manifest=ensure_manifest(),
    project=gold_dbt_project,
    dagster_dbt_translator=GoldDbtTranslator(),
    name="gold_dbt_models",
    pool=LAKE_WRITER_POOL,
)
def gold_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, lake: LakeResource, config: GoldBuildConfig
) -> Iterator[Any]:
    if context.is_subset:
        # incremental models and their watermark move together; a partial build would leave a
        # mart newer than the tables it is computed from
        raise dg.Failure(
            "gold assets are built as one dbt graph: materialize all of group 'gold' "
            "(or run `ghintel` gold build / build_gold) instead of a subset"
        )
    settings = lake.settings()
    with gold_lock(settings):
        plan = plan_gold_run(
            settings, event_hours=config.event_hours, full_refresh=config.full_refresh, as_of=config.as_of
        )
        context.log.info(f"gold plan: {plan.mode} ({plan.reason})")
        if plan.mode == "noop":
            return
        with patched_environ(dbt_env(settings)):
            invocation = dbt.cli(plan.dbt_args(), context=context, target_path=dbt_home(settings) / "target")
        # Buffered: a gold asset is its Delta table, so it counts as materialized only once the
        # export below has written it.
        events = list(invocation.stream())
        exported = finish_gold_run(settings, plan)
    context.log.info(
        f"gold {plan.mode} over {len(plan.event_hours)} hour(s): "
        + ", ".join(f"{name} {item['mode']} {item['rows']} rows" for name, item in exported.items())
    )
    for event in events:
        if isinstance(event, dg.Output):
            model = context.asset_key_for_output(event.output_name).path[-1]
            extra = {"gold_plan": plan.mode, "event_hours": len(plan.event_hours)}
            if model in exported:
                item = exported[model]
                extra |= {"delta_rows_written": item["rows"], "delta_write": item["mode"]}
                if item["version"] is not None:
                    extra["delta_version"] = item["version"]
            event = event.with_metadata({**event.metadata, **extra})
        yield event
