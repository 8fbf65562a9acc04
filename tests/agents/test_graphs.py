"""Each agent graph on the real lake through the real app; every citation checked against gold."""

from __future__ import annotations

import pytest

from ghintel_agents.run import make_target, run_agent
from tests.agents.conftest import STAR_ANOMALY
from tests.agents.gold_rows import GoldRows
from tests.gold.synthetic import CO_STAR_REPO, CO_STARS, STAR_BURST_SIZE

REPO = "prakhar1989/awesome-courses"  # real, active in hours 0 and 1, trending
ORG = "cloudify-cosmo"  # real org with 30+ repos in hour 0/1
HOUR_1 = "2015-01-01T01:00"


@pytest.fixture(scope="module")
def gold(agents_home) -> GoldRows:
    return GoldRows(agents_home)


def assert_cited_and_verified(report: dict, gold: GoldRows, at_least: int) -> None:
    assert report["verified"] is True and report["findings"]
    ids = {c["id"] for c in report["citations"]}
    for finding in report["findings"]:
        assert finding["verified"] and finding["citations"] and set(finding["citations"]) <= ids
    assert gold.check(report["citations"]) >= at_least


def hour_events(gold: GoldRows, repo: str, hour: str) -> int:
    sql = "SELECT events FROM fct_repo_activity_hourly WHERE repo_name = ? AND event_hour = ?"
    return gold.one(sql, [repo, hour])["events"]


def test_repo_analyst(api, gold):
    report = run_agent("repo-analyst", make_target("repo-analyst", repo=REPO, window="1h", as_of=HOUR_1), api)
    assert [c["tool"] for c in report["tool_calls"]] == [
        "repo_overview",
        "repo_activity",
        "repo_activity",
        "anomalies",
    ]
    assert report["rejected"] == []
    assert_cited_and_verified(report, gold, at_least=3)
    now, before = (hour_events(gold, REPO, hour) for hour in (HOUR_1, "2015-01-01T00:00"))
    texts = " ".join(f["text"] for f in report["findings"])
    assert f"{now} events vs {before}" in texts
    assert "trending list" in texts


def test_org_health(api, gold):
    report = run_agent("org-health", make_target("org-health", org=ORG, window="24h", as_of=HOUR_1), api)
    assert_cited_and_verified(report, gold, at_least=2)
    top = gold.one(
        "SELECT actor_login, count(*) AS n FROM github_events WHERE org_login = ? GROUP BY actor_login "
        "ORDER BY n DESC LIMIT 1",
        [ORG],
    )
    concentration = next(f["text"] for f in report["findings"] if f["text"].startswith("Concentration"))
    assert f"{top['actor_login']} made {top['n']} of the" in concentration


def test_anomaly_investigator_signals(api, gold):
    report = run_agent("anomaly-investigator", make_target("anomaly-investigator", anomaly=STAR_ANOMALY), api)
    assert_cited_and_verified(report, gold, at_least=STAR_BURST_SIZE)
    assert report["verdict"] is None and report["anomaly"]["observed"] == STAR_BURST_SIZE
    signals = {s["name"]: s for s in report["signals"]}
    # the burst accounts that also starred the co-star repo touched two repos: not low-activity
    assert signals["low_activity_share"]["value"] == (STAR_BURST_SIZE - CO_STARS) / STAR_BURST_SIZE
    assert signals["lockstep_costarring"]["value"] == CO_STARS / STAR_BURST_SIZE
    assert CO_STAR_REPO["name"] in signals["lockstep_costarring"]["detail"]
    assert signals["account_age_proxy"]["proxy"] is True
    assert signals["arrival_regularity"]["label"] == "strong"  # the burst is one star per 50 s
    assert signals["fork_star_ratio"]["value"] == 0.0
    for signal in signals.values():
        assert 0 <= signal["strength"] <= 1
    texts = [f["text"] for f in report["findings"]]
    assert any("(a proxy, not an age)" in t for t in texts)


def test_reporter_digest(api, gold, tmp_path):
    from ghintel_agents.reporter.digest import render_html, render_markdown, write_digest
    from ghintel_pipeline.lib.settings import Settings

    report = run_agent("reporter", make_target("reporter", window="24h", as_of=HOUR_1, top=2), api)
    assert_cited_and_verified(report, gold, at_least=5)
    assert [c["tool"] for c in report["tool_calls"]].count("investigate") == 2
    top = gold.one(
        "SELECT repo_name FROM repo_trending WHERE \"window\" = '24h' AND rank = 1 AND as_of = ?", [HOUR_1]
    )
    markdown = render_markdown(report)
    assert f"| 1 | {top['repo_name']} |" in markdown
    assert STAR_ANOMALY in markdown and "low_activity_share: strong" in markdown
    assert "<table>" in render_html(report)
    files = write_digest(report, Settings(ghintel_home=tmp_path))
    assert files["digest.md"].read_text() == markdown


def test_unknown_entities_are_a_clear_error(api):
    with pytest.raises(LookupError, match="unknown repository"):
        run_agent("repo-analyst", make_target("repo-analyst", repo="nobody/nothing-here"), api)
    with pytest.raises(ValueError, match="anomaly id must look like"):
        make_target("anomaly-investigator", anomaly="stars")
    with pytest.raises(ValueError, match="unknown agent"):
        make_target("monitor")
