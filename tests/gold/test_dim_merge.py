"""The dims are merged by key: built hour by hour they equal a full rebuild, row for row, also when a
repository moves to another organisation (the old one's counts change without it having events)."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import duckdb
import pytest

from ghintel_pipeline.lib.gold import build_gold
from ghintel_pipeline.lib.lake import backfill_gharchive_hour
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import HOUR_0, HOUR_1
from tests.gold import synthetic as syn
from tests.gold.conftest import H1, read_gold

# Builds gold hour by hour with dbt (about 30 s).
pytestmark = pytest.mark.slow

DIMS = ("dim_repos", "dim_actors", "dim_orgs")
NEW_ORG = {"id": 990_000_001, "login": "ghintel-synthetic-org"}


def an_org_repo(path) -> dict:
    """The first event of a real hour that belongs to an organisation."""
    with gzip.open(path, "rb") as fh:
        for line in fh:
            event = json.loads(line)
            if event.get("org"):
                return event
    raise AssertionError("no organisation event in the hour")


@pytest.fixture(scope="module")
def hour_by_hour(tmp_path_factory):
    home = tmp_path_factory.mktemp("dim-merge")
    settings = Settings(ghintel_home=home)
    backfill_gharchive_hour(settings, "2015-01-01-0", path_or_url=str(HOUR_0))
    first = build_gold(settings)
    moved = an_org_repo(HOUR_0)
    transfer = syn.event(
        "WatchEvent",
        930_000_101,
        "ghintel-synthetic-transfer-watcher",
        moved["repo"],
        H1 + dt.timedelta(minutes=59, seconds=59),
        {"action": "started"},
    )
    transfer["org"] = {**NEW_ORG, "gravatar_id": "", "url": "", "avatar_url": ""}
    hour_1 = syn.write_hour_file(home / "2015-01-01-1.json.gz", HOUR_1, [transfer])
    backfill_gharchive_hour(settings, "2015-01-01-1", path_or_url=str(hour_1))
    second = build_gold(settings)
    incremental, _ = read_gold(settings)
    rebuilt_summary = build_gold(settings, full_refresh=True)
    rebuilt, _ = read_gold(settings)
    return {
        "modes": (first["mode"], second["mode"], rebuilt_summary["mode"]),
        "incremental": incremental,
        "rebuilt": rebuilt,
        "moved": moved,
    }


def test_second_hour_was_incremental(hour_by_hour):
    assert hour_by_hour["modes"] == ("full", "incremental", "full")


@pytest.mark.parametrize("dim", DIMS)
def test_incremental_dim_equals_full_rebuild(hour_by_hour, dim):
    con = duckdb.connect()
    con.register("incremental", hour_by_hour["incremental"][dim])
    con.register("rebuilt", hour_by_hour["rebuilt"][dim])
    assert hour_by_hour["incremental"][dim].num_rows == hour_by_hour["rebuilt"][dim].num_rows > 1000
    assert con.execute("select * from incremental except all select * from rebuilt").fetchall() == []
    assert con.execute("select * from rebuilt except all select * from incremental").fetchall() == []


def test_transfer_moved_the_repo_between_organisations(hour_by_hour):
    moved = hour_by_hour["moved"]
    repos = {r["repo_id"]: r for r in hour_by_hour["incremental"]["dim_repos"].to_pylist()}
    assert repos[moved["repo"]["id"]]["org_id"] == NEW_ORG["id"]
    orgs = {r["org_id"]: r for r in hour_by_hour["incremental"]["dim_orgs"].to_pylist()}
    assert orgs[NEW_ORG["id"]]["repos"] == 1
    old_org_repos = {r["repo_id"] for r in repos.values() if r["org_id"] == moved["org"]["id"]}
    assert orgs[moved["org"]["id"]]["repos"] == len(old_org_repos)
