"""The rollup indexes (core/rollups.py) answer as the SQL over the marts does: every key of the mart,
many random spans (not only the API's windows) and both granularities, on the real gold lake."""

from __future__ import annotations

import random
from contextlib import contextmanager
from datetime import timedelta

import pytest

from ghintel_api.core.lake import Lake
from ghintel_api.core.rollups import ROLLUP_NAMES
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
