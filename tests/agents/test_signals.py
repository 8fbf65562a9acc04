"""The investigator's signals and the monitor's planning on hand-made rows (values worked out by hand)."""

from __future__ import annotations

import json

from ghintel_agents.anomaly_investigator import signals
from ghintel_pipeline.defs.agents.sensors import plan_investigations


def test_shares_and_labels():
    rows = [{"is_low_activity": v} for v in (True, True, True, False)] + [{"is_low_activity": None}]
    low = signals.low_activity_share(rows)
    assert (low.value, low.label, low.detail) == (
        0.75,
        "strong",
        "3 of 4 stargazers are low-activity accounts",
    )
    co = signals.lockstep_costarring(
        10, [{"repo_name": "a/x", "shared_stargazers": 2}, {"repo_name": "b/y", "shared_stargazers": 4}]
    )
    assert (co.value, co.label) == (0.4, "moderate") and "also starred b/y" in co.detail
    assert signals.lockstep_costarring(10, []) is None


def test_account_age_proxy_uses_a_cited_value():
    rows = [{"actor_id_percentile": p} for p in (0.2, 0.9, 0.95, 0.99)]
    age = signals.account_age_proxy(rows)
    assert age.proxy and age.value == 0.9  # median_low: a row's value, not 0.925
    assert round(age.strength, 3) == 0.8


def test_fork_star_ratio_against_the_reference():
    ratio = signals.fork_star_ratio(stars=40, forks=2, reference_stars=100, reference_forks=20)
    assert ratio.value == 0.05 and round(ratio.strength, 3) == 0.75 and "fewer" in ratio.detail
    assert signals.fork_star_ratio(stars=0, forks=0, reference_stars=5, reference_forks=1) is None


def test_arrival_regularity_tells_even_from_clumped():
    even = signals.arrival_regularity([f"2015-01-01T01:{m:02d}:00Z" for m in range(0, 50, 10)])
    assert even.value == 0.0 and even.label == "strong"
    clumped = signals.arrival_regularity(
        ["2015-01-01T01:00:00Z", "2015-01-01T01:00:01Z", "2015-01-01T01:00:02Z", "2015-01-01T01:40:00Z"]
    )
    assert clumped.value > 1 and clumped.label == "weak"
    assert signals.burst_concentration(30, 40).value == 0.75


def test_monitor_plans_each_anomaly_once():
    new, cursor = plan_investigations(["a", "b", "c"], done={"a"}, cursor=None, limit=1)
    assert new == ["b"] and json.loads(cursor) == {"requested": ["b"]}
    new, cursor = plan_investigations(["a", "b", "c"], done={"a"}, cursor=cursor, limit=5)
    assert new == ["c"] and json.loads(cursor) == {"requested": ["b", "c"]}
    # written to gold or gone from gold: dropped from the cursor
    new, cursor = plan_investigations(["a", "c"], done={"a", "c"}, cursor=cursor, limit=5)
    assert new == [] and json.loads(cursor) == {"requested": []}
