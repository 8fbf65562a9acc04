"""One real lake for the whole gold suite, advanced in stages (dbt runs are the slow part).

Stage ``built``: a copy of the session's burst lake (``burst_gold_home`` in tests/conftest.py: GH
Archive hours 0 and 1, hour 1 with labelled synthetic bursts, loaded with the real lakehouse
backfill, then ``build_gold``, first run = full build). ``late``: an event for
hour 0 arrives later -> incremental ``build_gold``. ``via_dagster``: another late event, gold
materialized through Dagster/dagster-dbt. ``refreshed``: ``build_gold(full_refresh=True)``.
Each stage keeps in-memory snapshots of the gold tables, so a test of an early stage is not
affected by later ones.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from ghintel_pipeline.lib.gold import MARTS, build_gold
from ghintel_pipeline.lib.lake import backfill_gharchive_hour, lake_table_uri
from ghintel_pipeline.lib.settings import Settings
from tests.gold import synthetic as syn

H0 = dt.datetime(2015, 1, 1, 0, tzinfo=dt.UTC)
H1 = dt.datetime(2015, 1, 1, 1, tzinfo=dt.UTC)
# a real repository active in hours 0 and 1, and a real organisation
LATE_REPO = {"id": 26689598, "name": "prakhar1989/awesome-courses"}


@dataclass
class Stage:
    settings: Settings
    summary: object
    gold: dict[str, pa.Table]
    versions: dict[str, int]
    raw_files: list[Path] = field(default_factory=list)


def read_gold(settings: Settings) -> tuple[dict[str, pa.Table], dict[str, int]]:
    tables, versions = {}, {}
    for mart in MARTS:
        table = DeltaTable(lake_table_uri(settings, "gold", mart.name))
        tables[mart.name] = table.to_pyarrow_table()
        versions[mart.name] = table.version()
    return tables, versions


@pytest.fixture(scope="package")
def gold_settings(tmp_path_factory) -> Settings:
    home = tmp_path_factory.mktemp("gold-home")
    with pytest.MonkeyPatch.context() as patch:
        # Dagster resources read Settings() from the environment
        patch.setenv("GHINTEL_HOME", str(home))
        patch.delenv("GHINTEL_LAKE_ROOT", raising=False)
        yield Settings()


@pytest.fixture(scope="package")
def built(gold_settings, burst_gold_home) -> Stage:
    """A private copy of the session's burst lake (its first build_gold was a full build): the
    later stages write to it."""
    shutil.copytree(burst_gold_home.home, gold_settings.home, dirs_exist_ok=True)
    return Stage(
        gold_settings,
        burst_gold_home.summary,
        *read_gold(gold_settings),
        raw_files=list(burst_gold_home.raw_files),
    )


def late_event(actor: int, created_at: dt.datetime) -> dict:
    return syn.event(
        "WatchEvent", actor, f"ghintel-synthetic-late-{actor}", LATE_REPO, created_at, {"action": "started"}
    )


@pytest.fixture(scope="package")
def late(built, tmp_path_factory) -> Stage:
    """A star for hour 0 delivered in a later file, then an incremental build_gold."""
    path = tmp_path_factory.mktemp("gold-late") / "2015-01-01-2.json.gz"
    syn.write_hour_file(path, None, [late_event(930_000_001, H0 + dt.timedelta(minutes=30))])
    backfill_gharchive_hour(built.settings, "2015-01-01-2", path_or_url=str(path))
    summary = build_gold(built.settings)
    return Stage(built.settings, summary, *read_gold(built.settings))


@pytest.fixture(scope="package")
def via_dagster(late, tmp_path_factory) -> Stage:
    """A star for hour 1 delivered later, gold materialized by Dagster (dagster-dbt, dbt CLI)."""
    import dagster as dg

    from ghintel_pipeline.defs.gold_dbt import defs as gold_defs
    from ghintel_pipeline.defs.gold_dbt.assets import gold_dbt_models
    from ghintel_pipeline.defs.resources import LakeResource

    path = tmp_path_factory.mktemp("gold-late-2") / "2015-01-01-3.json.gz"
    syn.write_hour_file(path, None, [late_event(930_000_002, H1 + dt.timedelta(minutes=59))])
    backfill_gharchive_hour(late.settings, "2015-01-01-3", path_or_url=str(path))
    result = dg.materialize(
        [gold_dbt_models],
        resources={"dbt": gold_defs.resources["dbt"], "lake": LakeResource()},
        raise_on_error=False,
    )
    return Stage(late.settings, result, *read_gold(late.settings))


@pytest.fixture(scope="package")
def refreshed(via_dagster) -> Stage:
    summary = build_gold(via_dagster.settings, full_refresh=True)
    return Stage(via_dagster.settings, summary, *read_gold(via_dagster.settings))
