"""Name indexes, the route thread limit and the DuckDB settings of the API's copies."""

from __future__ import annotations

import os

import anyio
import duckdb
import pytest
from deltalake import DeltaTable

from ghintel_api.core.guard import cores, set_thread_limit
from ghintel_api.core.lookups import name_index, stored_name
from ghintel_api.queries.orgs import resolve_org
from ghintel_api.queries.repos import resolve_repo


def _gold(lake_home, table: str) -> duckdb.DuckDBPyConnection:
    """A separate DuckDB over the gold Delta table itself (not the API's copy)."""
    con = duckdb.connect()
    arrow = DeltaTable(str(lake_home / "lakehouse" / "gold" / table)).to_pyarrow_table()
    con.register("t", arrow)
    return con


def _variants(name: str) -> list[str]:
    return [name, name.upper(), name.lower(), name.swapcase()]


def _resolves_like_gold(lake, lake_home, table: str, column: str, resolve, picked) -> None:
    """Every name (in four spellings) resolves to what a case-insensitive query over gold picks."""
    gold = _gold(lake_home, table)
    names = [r[0] for r in gold.execute(f"SELECT {column} FROM t ORDER BY events DESC LIMIT 200").fetchall()]
    assert names
    cur = lake.cursor()
    for name in names:
        for asked in _variants(name):
            (expected,) = gold.execute(
                f"SELECT {picked} FROM t WHERE lower({column}) = lower(?) "
                f"ORDER BY last_seen DESC NULLS LAST, {picked} LIMIT 1",
                [asked],
            ).fetchone()
            assert resolve(lake, cur, asked) == expected, asked


def test_repo_names_resolve_as_a_case_insensitive_query_would(lake, lake_home):
    def repo_id(lk, cur, asked):
        found = resolve_repo(lk, cur, asked)
        return found and found["repo_id"]

    _resolves_like_gold(lake, lake_home, "dim_repos", "repo_name", repo_id, "repo_id")
    assert resolve_repo(lake, lake.cursor(), "no-such-owner/no-such-repo") is None


def test_org_logins_resolve_as_a_case_insensitive_query_would(lake, lake_home):
    _resolves_like_gold(lake, lake_home, "dim_orgs", "org_login", resolve_org, "org_login")
    assert resolve_org(lake, lake.cursor(), "no-such-org-anywhere") is None


def test_name_index_keeps_the_most_recently_seen_and_declines_non_ascii():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE d AS SELECT * FROM (VALUES ('Foo/Bar', TIMESTAMP '2015-01-01'), "
        "('foo/bar', TIMESTAMP '2015-01-03'), ('FOO/BAR', NULL), ('x/y', TIMESTAMP '2015-01-02')) "
        "v(repo_name, last_seen)"
    )
    index = name_index(con, "dim_repos", "d")
    assert index == {"foo/bar": "foo/bar", "x/y": "x/y"}
    assert stored_name(index, "FoO/bAr") == "foo/bar"
    assert stored_name(index, "nope/nope") is None
    # no index, or a name whose lower case Python and DuckDB might disagree on: the caller queries
    assert stored_name(None, "x/y") is False
    assert stored_name(index, "İx/y") is False
    assert name_index(con, "fct_repo_activity_hourly", "d") is None


def test_route_thread_limit_defaults_to_the_cores():
    async def limit(threads: int) -> tuple[int, float]:
        chosen = set_thread_limit(threads)
        return chosen, anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(limit, 3) == (3, 3)
    assert anyio.run(limit, 0) == (cores(), cores())


def test_ghintel_api_gives_each_worker_its_share_of_the_cores(monkeypatch):
    """`ghintel api --workers N` with GHINTEL_API_THREADS unset: each worker process gets cores / N
    threads (at least 1), through the environment its settings are read from; a set value stays."""
    import uvicorn

    from ghintel_api.core.config import get_settings
    from ghintel_pipeline.cli.api import api

    runs = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: runs.append(kw))
    monkeypatch.setenv("GHINTEL_API_THREADS", "0")  # recorded: the environment is restored after
    for workers, threads in ((1, cores()), (2, max(1, cores() // 2)), (64, 1)):
        monkeypatch.delenv("GHINTEL_API_THREADS", raising=False)
        get_settings.cache_clear()
        api(workers=workers)
        assert os.environ["GHINTEL_API_THREADS"] == str(threads)
        assert runs[-1]["workers"] == workers
    monkeypatch.setenv("GHINTEL_API_THREADS", "3")
    get_settings.cache_clear()
    api(workers=2)
    assert os.environ["GHINTEL_API_THREADS"] == "3"
    get_settings.cache_clear()


def test_copies_run_without_late_materialisation(lake):
    cur = lake.cursor()
    (setting,) = cur.execute("SELECT current_setting('disabled_optimizers')").fetchone()
    assert "late_materialization" in setting


@pytest.mark.parametrize("mart", ["repo_trending", "repo_trending_history"])
def test_ranked_hours_index_equals_the_max_query(lake, mart):
    """/trending-repos finds "the latest ranked hour at or before as_of" in Python; the SQL answer
    for every window and every hour around the lake's (before, inside, after) must be the same."""
    from datetime import timedelta

    from ghintel_api.core.windows import Window
    from ghintel_api.queries.trending import _ranked_at

    cur = lake.cursor()
    found = 0
    try:
        hour = lake.oldest_hour - timedelta(hours=2)
        while hour <= lake.newest_hour + timedelta(hours=2):
            for window in Window:
                (row,) = lake.query(
                    cur,
                    f'SELECT max(as_of) AS at FROM {lake.rel(mart)} WHERE "window" = ? AND as_of <= ?',
                    [window.value, hour],
                )
                assert _ranked_at(lake, mart, window, hour) == row["at"], (window, hour)
                found += row["at"] is not None
            hour += timedelta(hours=1)
    finally:
        cur.close()
    assert found > 0


def test_the_started_api_keeps_its_long_lived_objects_out_of_full_collections(lake_home):
    """After start-up the framework and the loaded copies are frozen: a full collection walks only
    what came later (it walked all of it, ~110 ms per collection on the bench lake)."""
    import gc

    from tests.api.conftest import api_client

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with api_client(lake_home) as client:
        assert client.get("/health").status_code == 200
        frozen, tracked = gc.get_freeze_count(), len(gc.get_objects())
        assert frozen > 10_000 and tracked < frozen, (frozen, tracked)
