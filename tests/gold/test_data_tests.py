"""The minute's data tests read only the recomputed rows, and still catch a bad row there: a
duplicate silver event (the same event_id twice, as a broken writer would leave it) in a touched
hour fails the build, nothing is exported and the watermark stays where it was."""

from __future__ import annotations

import shutil

import pyarrow.compute as pc
import pytest
from deltalake import DeltaTable, write_deltalake

from ghintel_pipeline.lib.gold import GoldBuildError, build_gold, gold_watermark
from ghintel_pipeline.lib.lake import lake_table_uri
from ghintel_pipeline.lib.settings import Settings
from tests.gold.conftest import H1

pytestmark = pytest.mark.slow  # one incremental dbt build on a copy of the lake


def test_duplicate_event_in_a_touched_hour_fails_the_build(built, tmp_path):
    settings = Settings(ghintel_home=tmp_path / "home")
    shutil.copytree(built.settings.home, settings.home)
    silver_uri = lake_table_uri(settings, "silver", "github_events")
    silver = DeltaTable(silver_uri)
    events = silver.to_pyarrow_table()
    duplicate = events.filter(pc.equal(events["event_hour"], H1)).slice(0, 1)
    # appended behind the silver writer's back: the insert-only merge would have dropped it
    write_deltalake(silver_uri, duplicate, mode="append")
    watermark = gold_watermark(settings)
    gold_versions = {
        name: DeltaTable(lake_table_uri(settings, "gold", name)).version()
        for name in ("fct_repo_activity_hourly", "dim_repos")
    }

    with pytest.raises(GoldBuildError) as failed:
        build_gold(settings)

    assert any("primary_key_stg_github__events_event_id" in f for f in failed.value.failures)
    assert gold_watermark(settings) == watermark
    for name, version in gold_versions.items():
        assert DeltaTable(lake_table_uri(settings, "gold", name)).version() == version
