"""Anomalies find the injected bursts, stay quiet on real data; trending's guards hold."""

from __future__ import annotations

import pyarrow.compute as pc

from tests.gold import synthetic as syn
from tests.gold.conftest import H1

# docs/metrics.md: on unmodified GH Archive hours at most 1 anomaly per 1,000 scored repositories
MAX_FALSE_POSITIVE_RATE = 0.001


def rows(table, **where) -> list[dict]:
    return [r for r in table.to_pylist() if all(r[k] == v for k, v in where.items())]


def test_star_burst_is_a_high_star_spike_and_a_low_activity_burst(built):
    anomalies = built.gold["anomalies"]
    spike = rows(anomalies, entity=syn.STAR_BURST_REPO["name"], metric="stars")
    assert len(spike) == 1
    assert spike[0]["entity_type"] == "repo" and spike[0]["event_hour"] == H1
    # One covered baseline hour: the score is high but the severity is capped (docs/metrics.md).
    assert spike[0]["observed"] == syn.STAR_BURST_SIZE and spike[0]["score"] >= 20
    assert spike[0]["severity"] == "low" and spike[0]["baseline_hours"] == 1
    assert spike[0]["explanation"].endswith("1 covered baseline hours, 24 needed for medium/high")
    assert spike[0]["method"] == "robust_z_median_mad"
    burst = rows(anomalies, entity=syn.STAR_BURST_REPO["name"], metric="low_activity_stars")
    assert len(burst) == 1
    assert burst[0]["method"] == "low_activity_share" and burst[0]["observed"] == syn.STAR_BURST_SIZE
    assert f"{syn.STAR_BURST_SIZE} of {syn.STAR_BURST_SIZE} stargazers" in burst[0]["explanation"]


def test_push_burst_is_a_push_spike(built):
    spike = rows(built.gold["anomalies"], entity=syn.PUSH_BURST_REPO["name"], metric="pushes")
    assert len(spike) == 1
    assert spike[0]["event_hour"] == H1 and spike[0]["observed"] == syn.PUSH_BURST_SIZE
    assert spike[0]["baseline"] == 0 and spike[0]["severity"] == "low" and spike[0]["baseline_hours"] == 1
    assert "pushes in the hour" in spike[0]["explanation"]


def test_real_data_fires_at_most_the_documented_rate(built):
    real = [
        r for r in built.gold["anomalies"].to_pylist() if not r["entity"].startswith("ghintel-synthetic/")
    ]
    # hour 0 has no baseline hour, so only hour 1 is scored
    scored_repos = pc.count_distinct(
        built.gold["fct_repo_activity_hourly"].filter(
            pc.equal(built.gold["fct_repo_activity_hourly"]["event_hour"], H1)
        )["repo_id"]
    ).as_py()
    assert scored_repos > 3000
    assert len(real) <= MAX_FALSE_POSITIVE_RATE * scored_repos, real
    assert all(r["event_hour"] == H1 for r in built.gold["anomalies"].to_pylist())


def test_real_stargazers_do_not_make_a_low_activity_burst(built):
    bursts = rows(built.gold["anomalies"], metric="low_activity_stars")
    assert [b["entity"] for b in bursts] == [syn.STAR_BURST_REPO["name"]]


def test_trending_guards_against_few_actor_floods(built):
    trending = built.gold["repo_trending"]
    one_hour = sorted(rows(trending, window="1h"), key=lambda r: r["rank"])
    assert [r["rank"] for r in one_hour] == list(range(1, len(one_hour) + 1))
    by_repo = {r["repo_name"]: r for r in one_hour}
    # 40 distinct (fake) stargazers outrank everything: trending counts people, anomalies judge them
    assert by_repo[syn.STAR_BURST_REPO["name"]]["rank"] == 1
    flood = by_repo[syn.PUSH_BURST_REPO["name"]]
    assert flood["contributors"] == syn.PUSH_BURST_ACTORS
    # 60 pushes from 3 people: each capped at 4 weighted events x 0.25
    assert flood["activity_component"] == syn.PUSH_BURST_ACTORS * 4 * 0.25
    # a real single-actor push stream (80 pushes in hour 1) never trends
    assert "KenanSulayman/heartbeat" not in by_repo
    for row in trending.to_pylist():
        parts = row["star_component"] + row["fork_component"] + row["activity_component"]
        assert abs(row["score"] - parts) < 1e-9
        assert row["explanation"].startswith(f"{row['stargazers']} stargazers")


def test_coverage_of_complete_2015_hours_is_ok(built):
    coverage = sorted(built.gold["data_coverage"].to_pylist(), key=lambda r: r["event_hour"])
    assert [(r["coverage"], r["star_coverage"], r["is_gap"]) for r in coverage] == [("ok", "ok", False)] * 2
    assert coverage[0]["events_by_type"].startswith('{"CommitCommentEvent":56,')
