"""The rollup indexes (core/rollups.py) answer as the SQL over the marts does: every key of the mart,
many random spans (not only the API's windows) and both granularities, on the real gold lake."""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from ghintel_api.core.lake import Lake
from ghintel_api.core.rollups import EPOCH, ROLLUP_NAMES
from ghintel_api.core.windows import HOUR, Granularity, Span, Window, window_span
from ghintel_api.queries.actors import ActorMetric, top_actors_counted
from ghintel_api.queries.common import as_utc
from ghintel_api.queries.orgs import org_repo_rows, org_summary
from ghintel_api.queries.repos import activity_buckets, repo_activity
from tests.api.conftest import NEXT_HOUR, api_settings, build_gold, ingest_hour, opened_lake


@contextmanager
def _sql_only(lake: Lake):
    """The routes' SQL path: the same lake with its rollup indexes hidden."""
    saved = dict(lake.rollups)
    lake.rollups.clear()
    try:
        yield
    finally:
        lake.rollups.update(saved)


def _keys(lake: Lake, column: str) -> list[str]:
    cur = lake.cursor()
    try:
        table = lake.rel("fct_repo_activity_hourly")
        sql = f"SELECT DISTINCT {column} AS k FROM {table} WHERE {column} IS NOT NULL"
        return sorted(r["k"] for r in lake.query(cur, sql))
    finally:
        cur.close()


def _spans(lake: Lake, rng: random.Random, n: int) -> list[Span]:
    """Random spans around the lake's hours, from one hour to 60 days long."""
    first, last = lake.oldest_hour - 30 * HOUR, lake.newest_hour + 30 * HOUR
    hours = int((last - first) / HOUR)
    out = []
    for _ in range(n):
        start = first + rng.randrange(hours) * HOUR
        out.append(
            Span(first_hour=start, last_hour=start + rng.choice((0, 0, 1, 2, 23, 24, 200, 1439)) * HOUR)
        )
    # the lake's own hours alone and together, where an hour too many or too few shows
    out += [
        Span(lake.oldest_hour, lake.oldest_hour),
        Span(lake.newest_hour, lake.newest_hour),
        Span(lake.oldest_hour, lake.newest_hour),
        Span(lake.oldest_hour - HOUR, lake.oldest_hour),
    ]
    return out


def _normal(rows: list[dict]) -> list[dict]:
    out = [{**r, "ts": as_utc(r["ts"])} for r in rows]
    return sorted(out, key=lambda r: (r["ts"], r.get("repo_name") is None, r.get("repo_name") or ""))


def _compare(lake: Lake, keys: list[str], spans: list[Span], rows_of) -> tuple[int, int]:
    """Index rows == SQL rows for every key, span and granularity; returns (non-empty answers,
    answers the SQL of the span moved one hour later would get wrong)."""
    cur = lake.cursor()
    answered = shifted_differs = 0
    try:
        for key in keys:
            for span in spans:
                for granularity in Granularity:
                    got = _normal(rows_of(lake, cur, key, span, granularity))
                    with _sql_only(lake):
                        want = _normal(rows_of(lake, cur, key, span, granularity))
                        later = Span(span.first_hour + HOUR, span.last_hour + HOUR)
                        moved = _normal(rows_of(lake, cur, key, later, granularity))
                    assert got == want, (key, span, granularity)
                    answered += bool(want)
                    shifted_differs += moved != want
    finally:
        cur.close()
    return answered, shifted_differs


def test_indexes_are_built_for_their_marts(lake):
    for mart, names in ROLLUP_NAMES.items():
        assert lake.has(mart)
        for name in names:
            assert name in lake.rollups, name
    # every key of the mart has its rows (a missing key would answer "no activity")
    assert sorted(lake.rollups["repo_hours"].ranges) == _keys(lake, "repo_name")
    assert sorted(lake.rollups["org_repo_hours"].ranges) == _keys(lake, "org_login")


def test_repository_buckets_equal_the_sql(lake):
    rng = random.Random(7)
    keys = _keys(lake, "repo_name")
    picked = [*rng.sample(keys, min(60, len(keys))), "no-such-owner/no-such-repo"]
    answered, shifted = _compare(lake, picked, _spans(lake, rng, 12), activity_buckets)
    # the comparison saw real sums, and an hour's shift changes them (an off-by-one would show)
    assert answered > 100 and shifted > 50, (answered, shifted)


def test_event_page_hours_of_a_repository_equal_the_sql(lake):
    from ghintel_api.queries.events import _repo_hours

    keys = _keys(lake, "repo_name")
    picked = [*random.Random(5).sample(keys, min(200, len(keys))), "no-such-owner/no-such-repo"]
    cur = lake.cursor()
    try:
        indexed = [_repo_hours(lake, cur, repo) for repo in picked]
        with _sql_only(lake):
            by_sql = [_repo_hours(lake, cur, repo) for repo in picked]
    finally:
        cur.close()
    normal = [([as_utc(h) for h in hours], newest) for hours, newest in by_sql]
    assert indexed == normal
    assert sum(len(hours) for hours, _ in indexed) > len(picked)  # real hours were compared


def test_org_repo_buckets_equal_the_sql(lake):
    rng = random.Random(11)
    keys = _keys(lake, "org_login")
    picked = [*rng.sample(keys, min(60, len(keys))), "no-such-org"]
    answered, shifted = _compare(lake, picked, _spans(lake, rng, 12), org_repo_rows)
    assert answered > 100 and shifted > 50, (answered, shifted)


def test_org_actors_equal_the_sql(lake):
    rng = random.Random(13)
    orgs = [*rng.sample(_keys(lake, "org_login"), 80), "no-such-org"]
    cur = lake.cursor()
    ranked = 0
    try:
        for org in orgs:
            for span in _spans(lake, rng, 3):
                for metric in ActorMetric:
                    bots, limit = rng.choice((False, True)), rng.choice((1, 3, 10, 100))
                    got = top_actors_counted(
                        lake, cur, span, metric=metric, include_bots=bots, limit=limit, org=org
                    )
                    with _sql_only(lake):
                        want = top_actors_counted(
                            lake, cur, span, metric=metric, include_bots=bots, limit=limit, org=org
                        )
                    assert [a.model_dump() for a in got[0]] == [a.model_dump() for a in want[0]], org
                    assert got[1] == want[1], org
                    ranked += len(want[0]) > 1
    finally:
        cur.close()
    assert ranked > 50


def test_summed_top_actors_equal_the_sql(lake):
    """The window's whole days from the daily mart, its other hours from the hourly one, as the SQL."""
    rng = random.Random(17)
    cur = lake.cursor()
    ranked = 0
    try:
        spans = _spans(lake, rng, 40)
        # spans holding the lake's whole day (summed from the daily mart), alone and with edge hours
        day = lake.oldest_hour.replace(hour=0)
        spans += [Span(day - k * HOUR, day + (23 + j) * HOUR) for k in (0, 1, 25) for j in (0, 1, 30)]
        spans += [Span(day - k * HOUR, lake.newest_hour) for k in (0, 1, 24)]
        for span in spans:
            for metric in ActorMetric:
                for bots in (False, True):
                    limit = rng.choice((1, 2, 5, 10, 25, 150, 5000))
                    got = top_actors_counted(lake, cur, span, metric=metric, include_bots=bots, limit=limit)
                    with _sql_only(lake):
                        want = top_actors_counted(
                            lake, cur, span, metric=metric, include_bots=bots, limit=limit
                        )
                    assert [a.model_dump() for a in got[0]] == [a.model_dump() for a in want[0]], (
                        span,
                        metric,
                    )
                    assert got[1] == want[1], (span, metric, bots)
                    ranked += len(want[0]) > 1
    finally:
        cur.close()
    assert ranked > 100


def _route_answers(lake: Lake) -> list:
    """Whole answers of /org/{org}/summary and /repo/.../activity for the test lake's busiest keys."""
    cur = lake.cursor()
    try:
        table = lake.rel("dim_repos")
        sql = f"SELECT repo_name, org_login FROM {table} ORDER BY events DESC, repo_name LIMIT 30"
        names = lake.query(cur, sql)
        repos = [r["repo_name"] for r in names]
        orgs = sorted({r["org_login"] for r in names if r["org_login"]})
        out = []
        hours = [
            lake.oldest_hour + i * HOUR for i in range(int((lake.newest_hour - lake.oldest_hour) / HOUR) + 1)
        ]
        for at in [*hours, lake.newest_hour + timedelta(days=3)]:
            for window in Window:
                for org in orgs:
                    out.append(org_summary(lake, cur, org, window, at, None, 10).model_dump())
                for repo in repos:
                    for granularity in Granularity:
                        out.append(repo_activity(lake, cur, repo, window, at, granularity).model_dump())
        assert any(a.get("events") for a in out)
        return out
    finally:
        cur.close()


def test_route_answers_equal_the_sql(lake):
    got = _route_answers(lake)
    with _sql_only(lake):
        want = _route_answers(lake)
    assert got == want


def test_window_edges_count_each_hour_once(lake):
    """A 1h window holds exactly its hour's row: the two lake hours sum to the 24h window."""
    cur = lake.cursor()
    index = lake.rollups["repo_hours"]
    # a repository with rows in both lake hours (the mart may hold several rows per repo and hour)
    repo = min(k for k, (lo, hi) in index.ranges.items() if len(set(index.hours[lo:hi].tolist())) == 2)
    one = [
        activity_buckets(lake, cur, repo, window_span(Window.h1, h), Granularity.hour)
        for h in _lake_hours(lake)
    ]
    day = activity_buckets(lake, cur, repo, window_span(Window.h24, lake.newest_hour), Granularity.hour)
    cur.close()
    assert len(day) == 2  # both lake hours
    assert sorted((r["ts"], r["events"]) for rows in one for r in rows) == sorted(
        (r["ts"], r["events"]) for r in day
    )


def _lake_hours(lake: Lake):
    hour = lake.oldest_hour
    while hour <= lake.newest_hour:
        yield hour
        hour += HOUR


@pytest.mark.slow
def test_indexes_follow_a_new_gold_version(lake_copy):
    """A new hour through the incremental gold run: the reloaded copy's indexes hold it too."""
    lake = opened_lake(lake_copy)
    try:
        before = lake.rollups["repo_hours"]
        settings = api_settings(lake_copy)
        ingest_hour(settings, *NEXT_HOUR)
        build_gold(settings)
        lake.refresh()
        assert lake.rollups["repo_hours"] is not before
        assert lake.rollups["repo_hours"].hours.max() > before.hours.max()
        assert _route_answers(lake) == _sql_route_answers(lake)
    finally:
        lake.close()


def _sql_route_answers(lake: Lake) -> list:
    with _sql_only(lake):
        return _route_answers(lake)


def test_ranked_top_actors_equal_the_sql(lake):
    """Every (as_of, window, include_bots) of api_top_actors, every ranking, limits around the
    rollup's depth: the index returns the SQL's rows in the SQL's order."""
    from ghintel_api.queries.actors import _RANK_COLUMN, _ROLLUP_WINDOWS, _ranked_in_rollup

    index = lake.rollups["ranked_actors"]
    windows = {w: h for h, w in _ROLLUP_WINDOWS.items()}
    cur = lake.cursor()
    full = 0
    try:
        keys = sorted(index.ranges)
        assert len(keys) >= 6
        missing = (keys[-1][0] + 3600 * 10**6, keys[-1][1], keys[-1][2])  # an hour it did not score
        for micros, window, bots in [*keys, missing]:
            last = EPOCH + timedelta(microseconds=micros)
            span = Span(first_hour=last - (windows[window] - 1) * HOUR, last_hour=last)
            for metric in _RANK_COLUMN:
                for limit in (1, 2, 5, 10, 25, 100, 101):
                    got = _ranked_in_rollup(lake, cur, span, metric, bots, limit)
                    with _sql_only(lake):
                        want = _ranked_in_rollup(lake, cur, span, metric, bots, limit)
                    assert got == want, (last, window, bots, metric, limit)
                    full += want is not None and limit >= 5
    finally:
        cur.close()
    assert full > 20, full  # whole rankings of several rows were compared


def _crafted_anomalies(home) -> list[dict]:
    """A new version of gold ``anomalies`` with the real schema and rows the order and filters
    must get right: ties on hour and score, NULL scores, names differing in case."""
    import pyarrow as pa
    from deltalake import DeltaTable, write_deltalake

    uri = str(home / "lakehouse" / "gold" / "anomalies")
    schema = DeltaTable(uri).schema().to_arrow()
    schema = pa.schema(schema) if not isinstance(schema, pa.Schema) else schema
    rng = random.Random(23)
    base = datetime(2015, 1, 1, tzinfo=UTC)
    entities = [("repo", n) for n in ("acme/tool", "Acme/Tool", "b/x", "Zed/zed")] + [
        ("org", n) for n in ("acme", "ACME", "beta")
    ]
    rows = []
    for entity_type, entity in entities:
        for metric in ("events", "stars", "pushes"):
            for h in rng.sample(range(8), 5):
                rows.append(
                    {
                        "entity_type": entity_type,
                        "entity": entity,
                        "metric": metric,
                        "event_hour": base + h * HOUR,
                        "observed": float(rng.randint(5, 50)),
                        "baseline": 2.0,
                        "spread": 1.0,
                        "score": rng.choice((None, 3.0, 3.0, 4.5, float(rng.randint(1, 9)))),
                        "method": "crafted",
                        "severity": rng.choice(("low", "medium", "high")),
                        "explanation": "crafted for the index test",
                    }
                )
    columns = {f.name: [r.get(f.name) for r in rows] for f in schema}
    table = pa.Table.from_pydict(
        {f.name: pa.array(columns[f.name], type=f.type) for f in schema}, schema=schema
    )
    write_deltalake(uri, table, mode="overwrite")
    return rows


def test_anomaly_rows_equal_the_sql(lake_copy):
    """/anomalies' filters and order from the index, against its SQL, over a crafted mart."""
    from ghintel_api.queries.anomalies import AnomalyFilters, _anomalies_sql

    rows = _crafted_anomalies(lake_copy)
    lake = opened_lake(lake_copy)
    cur = lake.cursor()
    try:
        assert len(lake.rollups["anomaly_rows"].rows) == len(rows)
        hours = sorted({r["event_hour"] for r in rows if r["event_hour"]})
        since = [None, *hours[::2], hours[0] - HOUR, hours[-1] + HOUR, hours[3] + timedelta(minutes=30)]
        severities = [None, "low", "high", "no-such-severity"]
        repos = [None, "no-such/repo", "acme/tool", "ACME/TOOL", "b/x", "zed/zed", "ünï/cödé"]
        orgs = ["no-such-org", "acme", "Beta"]
        several = 0
        for at in since:
            for severity in severities:
                for repo, org in [*((r, None) for r in repos), *((None, o) for o in orgs), ("b/x", "acme")]:
                    for limit in (1, 3, 1000):
                        args = {"since": at, "severity": severity, "repo": repo, "org": org, "limit": limit}
                        got = list_anomalies_rows(lake, cur, **args)
                        with _sql_only(lake):
                            want = list_anomalies_rows(lake, cur, **args)
                        assert got == want, args
                        several += len(want) > 2
        # case-insensitive names: both spellings of acme/tool, and the order is the SQL's
        both = list_anomalies_rows(
            lake, cur, since=None, severity=None, repo="acme/tool", org=None, limit=1000
        )
        assert {a["entity"] for a in both} == {"acme/tool", "Acme/Tool"}
        assert len(_anomalies_sql(lake, cur, AnomalyFilters(None, None, None, None, 1000))) == len(rows)
    finally:
        cur.close()
        lake.close()
    assert several > 100, several


def list_anomalies_rows(lake: Lake, cur, **args) -> list[dict]:
    from ghintel_api.queries.anomalies import list_anomalies

    answer = list_anomalies(lake, cur, **args, newest_hour=lake.newest_hour, oldest_hour=lake.oldest_hour)
    return [a.model_dump() for a in answer.data]


def test_ranked_and_anomaly_indexes_step_aside_for_rows_they_cannot_hold(monkeypatch):
    """A NULL login in api_top_actors, an anomalies mart past ANOMALY_ROWS_MAX: no index (the
    routes keep their SQL)."""
    import duckdb

    from ghintel_api.core import rollups

    con = duckdb.connect()
    measures = ", ".join(f"1::BIGINT AS {c}" for c in rollups.ACTOR_MEASURES)
    ranks = ", ".join(f"1::BIGINT AS {c}" for c in rollups.RANK_COLUMNS)
    select = (
        "TIMESTAMP '2015-01-01 01:00' AS as_of, '1h' AS \"window\", false AS include_bots, "
        f"false AS is_bot, {measures}, {ranks}"
    )
    con.execute(f"CREATE TABLE ranked AS SELECT 'a' AS login, {select} UNION ALL SELECT NULL, {select}")
    assert rollups.rollup_indexes(con, "api_top_actors", "ranked", lambda m: None) is None
    con.execute("DELETE FROM ranked WHERE login IS NULL")
    built = rollups.rollup_indexes(con, "api_top_actors", "ranked", lambda m: None)
    at = datetime(2015, 1, 1, 1, tzinfo=UTC)
    assert [
        r["login"] for r in rollups.ranked_actors(built["ranked_actors"], at, "1h", False, "rank_events", 1)
    ] == ["a"]
    con.execute(
        "CREATE TABLE anomalies AS SELECT 'repo' AS entity_type, 'o/r' || i AS entity, 'events' AS metric, "
        "TIMESTAMP '2015-01-01' AS event_hour, 1.0 AS score, 'high' AS severity FROM range(3) t(i)"
    )
    assert rollups.rollup_indexes(con, "anomalies", "anomalies", lambda m: None) is not None
    monkeypatch.setattr(rollups, "ANOMALY_ROWS_MAX", 2)
    assert rollups.rollup_indexes(con, "anomalies", "anomalies", lambda m: None) is None
