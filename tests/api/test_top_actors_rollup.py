"""/actors/top from the gold rollup api_top_actors equals the same ranking summed from the activity
marts, for every hour, window, metric, bot setting and limit of the test lake."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from ghintel_api.core.lake import Lake
from ghintel_api.core.windows import Window, window_span
from ghintel_api.queries.actors import ActorMetric, _ranked_in_rollup, top_actors, top_actors_counted
from tests.api.conftest import NEXT_HOUR, api_settings, build_gold, ingest_hour, opened_lake


def _hours(lake: Lake):
    hour = lake.oldest_hour
    while hour <= lake.newest_hour:
        yield hour
        hour += timedelta(hours=1)


def _compare_all(lake: Lake) -> int:
    """Every request shape against the marts' sum; returns how many the rollup answered."""
    cur = lake.cursor()
    answered = 0
    try:
        shapes = itertools.product(_hours(lake), Window, ActorMetric, (False, True), (1, 3, 10, 100, 150))
        for hour, window, metric, bots, limit in shapes:
            span = window_span(window, hour)
            got = top_actors(lake, cur, span, metric=metric, include_bots=bots, limit=limit)
            summed = top_actors_counted(lake, cur, span, metric=metric, include_bots=bots, limit=limit)[0]
            assert [a.model_dump() for a in got] == [a.model_dump() for a in summed], (
                hour,
                window,
                metric,
                bots,
            )
            answered += _ranked_in_rollup(lake, cur, span, metric, bots, limit) is not None
    finally:
        cur.close()
    return answered


def test_rollup_answers_equal_the_marts_sum(lake):
    answered = _compare_all(lake)
    # the rollup answers the common shapes itself (else this test would only compare the sum with itself)
    assert answered > 0
    cur = lake.cursor()
    try:
        for window in (Window.h1, Window.h24, Window.d7):
            span = window_span(window, lake.newest_hour)
            assert _ranked_in_rollup(lake, cur, span, ActorMetric.events, False, 10) is not None, window
        # 30d and a limit above the rollup's top_n are summed from the marts
        assert (
            _ranked_in_rollup(
                lake, cur, window_span(Window.d30, lake.newest_hour), ActorMetric.events, False, 10
            )
            is None
        )
        assert (
            _ranked_in_rollup(
                lake, cur, window_span(Window.h24, lake.newest_hour), ActorMetric.events, True, 101
            )
            is None
        )
    finally:
        cur.close()


@pytest.mark.slow
def test_rollup_stays_equal_after_an_incremental_gold_run(lake_copy):
    """A new hour through the incremental gold run: the rescored hours still rank as the marts sum."""
    settings = api_settings(lake_copy)
    ingest_hour(settings, *NEXT_HOUR)
    build_gold(settings)
    lake = opened_lake(lake_copy)
    try:
        assert _compare_all(lake) > 0
    finally:
        lake.close()
