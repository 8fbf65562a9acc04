"""A temporary lake produced by the real pipeline (GH Archive backfill -> bronze -> silver -> dbt gold)
and API clients over it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ghintel_api.main import create_app
from ghintel_pipeline.lib.lake import backfill_gharchive_hour
from ghintel_pipeline.lib.settings import Settings
from tests.api.reference import RawEvents
from tests.conftest import HOUR_0, HOUR_1, HOUR_15

LAKE_HOURS = {"2015-01-01-0": HOUR_0, "2015-01-01-1": HOUR_1}
NEXT_HOUR = ("2015-01-01-15", HOUR_15)


def build_gold(settings: Settings) -> None:
    try:
        from ghintel_pipeline.lib.gold import build_gold as real_build_gold
    except ImportError:  # INTERIM until the gold library lands
        _interim_gold(settings)
        return
    real_build_gold(settings)


def _interim_gold(settings: Settings) -> None:
    import os

    import duckdb
    from dbt.cli.main import dbtRunner
    from deltalake import write_deltalake

    home = settings.home
    os.environ["GHINTEL_HOME"] = str(home)
    os.environ["GHINTEL_DBT_DUCKDB_PATH"] = f"{home}/dbt/ghintel.duckdb"
    (home / "dbt").mkdir(parents=True, exist_ok=True)
    shutil.rmtree(home / "dbt" / "target", ignore_errors=True)
    proj = str(Path(__file__).resolve().parents[2] / "dbt_project")
    dbtRunner().invoke(
        [
            "run",
            "--full-refresh",
            "--project-dir",
            proj,
            "--profiles-dir",
            proj,
            "--target-path",
            f"{home}/dbt/target",
            "--log-path",
            f"{home}/dbt/logs",
            "-q",
        ]
    )
    con = duckdb.connect(f"{home}/dbt/ghintel.duckdb")
    names = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    for m in [
        "fct_repo_activity_hourly",
        "fct_org_activity_daily",
        "fct_actor_activity_daily",
        "dim_repos",
        "dim_actors",
        "dim_orgs",
        "repo_trending",
        "anomalies",
        "data_coverage",
    ]:
        if m in names:
            tbl = con.execute(f"select * from {m}").arrow()
            tbl = tbl.read_all() if hasattr(tbl, "read_all") else tbl
            write_deltalake(f"{home}/lakehouse/gold/{m}", tbl, mode="overwrite", schema_mode="overwrite")
    con.close()


def ingest_hour(settings: Settings, hour: str, path: Path) -> None:
    backfill_gharchive_hour(settings, hour, path_or_url=str(path))


def api_settings(home: Path, **overrides) -> Settings:
    values = {
        "ghintel_home": home,
        "ghintel_api_rate_limit": "0",
        "ghintel_api_refresh_ms": 0,
        "ghintel_api_keys": "",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def lake_home(tmp_path_factory) -> Path:
    """Hours 0 and 1 of 2015-01-01 through the real backfill and the real gold build."""
    home = tmp_path_factory.mktemp("api-lake") / "home"
    settings = api_settings(home)
    for hour, path in LAKE_HOURS.items():
        ingest_hour(settings, hour, path)
    build_gold(settings)
    return home


@pytest.fixture(scope="session")
def raw() -> RawEvents:
    return RawEvents(list(LAKE_HOURS.values()))


@contextmanager
def api_client(home: Path, **overrides) -> Iterator[TestClient]:
    app = create_app(api_settings(home, **overrides))
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def client(lake_home) -> Iterator[TestClient]:
    with api_client(lake_home) as c:
        yield c


@pytest.fixture
def lake_copy(lake_home, tmp_path) -> Path:
    """A private copy of the session lake for tests that write to it."""
    target = tmp_path / "home"
    shutil.copytree(lake_home, target)
    return target
