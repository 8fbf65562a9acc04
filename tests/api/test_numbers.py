"""API numbers equal independent DuckDB counts over the raw GH Archive files."""

from __future__ import annotations

from datetime import UTC, datetime

from deltalake import DeltaTable

H0 = datetime(2015, 1, 1, 0, tzinfo=UTC)
H1 = datetime(2015, 1, 1, 1, tzinfo=UTC)
H2 = datetime(2015, 1, 1, 2, tzinfo=UTC)


def _top(counts: dict[str, int], n: int) -> list[str]:
    return [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def test_newest_hour_is_default_as_of(client):
    body = client.get("/actors/top", params={"window": "1h"}).json()
    assert body["as_of"] == "2015-01-01T01:00:00Z"


def test_repo_events_and_stars_match_raw(client, raw):
    events = raw.events_per_repo(H0, H2)
    stars = raw.stars_per_repo(H0, H2)
    repos = set(_top(events, 8)) | set(_top(stars, 8)) | {sorted(events)[len(events) // 2]}
    for repo in sorted(repos):
        owner, name = repo.split("/", 1)
        body = client.get(f"/repo/{owner}/{name}/activity", params={"window": "24h"}).json()
        assert body["totals"]["events"] == events[repo], repo
        assert body["totals"]["stars"] == stars.get(repo, 0), repo
        assert sum(p["events"] for p in body["series"]) == events[repo]
        assert len(body["series"]) == 24 and body["window_end"] == "2015-01-01T02:00:00Z"


def test_repo_activity_one_hour_window(client, raw):
    events = raw.events_per_repo(H0, H1)
    repo = _top(events, 1)[0]
    owner, name = repo.split("/", 1)
    body = client.get(
        f"/repo/{owner}/{name}/activity", params={"window": "1h", "as_of": "2015-01-01T00:30:00Z"}
    ).json()
    assert body["totals"]["events"] == events[repo]
    assert [p["ts"] for p in body["series"]] == ["2015-01-01T00:00:00Z"]


def test_org_events_match_raw(client, raw):
    per_org = raw.events_per_org(H1, H2)
    for org in _top(per_org, 6) + [sorted(per_org)[0]]:
        body = client.get(f"/org/{org}/summary", params={"window": "1h"}).json()
        assert body["events"] == per_org[org], org
        assert body["org"] == org
        assert sum(r["events"] for r in body["top_repos"]) <= body["events"]
        assert sum(p["events"] for p in body["series"]) == body["events"]
    both = raw.events_per_org(H0, H2)
    org = _top(both, 1)[0]
    assert client.get(f"/org/{org.upper()}/summary", params={"window": "24h"}).json()["events"] == both[org]


def test_top_actors_match_raw(client, raw):
    for start, window in ((H1, "1h"), (H0, "24h")):
        per_actor = raw.events_per_actor(start, H2)
        body = client.get("/actors/top", params={"window": window, "limit": 25, "include_bots": True}).json()
        got = {row["login"]: row["events"] for row in body["data"]}
        assert list(got) == _top(per_actor, 25)
        assert all(per_actor[login] == n for login, n in got.items())
        assert [row["rank"] for row in body["data"]] == list(range(1, 26))


def test_top_actors_by_metric_is_ordered(client):
    for metric, column in (("pushes", "pushes"), ("prs", "prs_opened"), ("reviews", "reviews")):
        rows = client.get("/actors/top", params={"window": "24h", "metric": metric, "limit": 20}).json()[
            "data"
        ]
        values = [r[column] for r in rows]
        assert values == sorted(values, reverse=True) and values[0] > 0
        assert not any(r["is_bot"] for r in rows)


def test_events_pagination_matches_raw(client, raw):
    events = raw.events_per_repo(H0, H2)
    repo = _top(events, 1)[0]
    seen, cursor = [], None
    while True:
        params = {"repo": repo, "limit": 37, **({"cursor": cursor} if cursor else {})}
        page = client.get("/events", params=params).json()
        seen += [e["event_id"] for e in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == events[repo]
    ordered = client.get("/events", params={"repo": repo, "limit": 500}).json()["data"]
    stamps = [(e["created_at"], e["event_id"]) for e in ordered]
    assert stamps == sorted(stamps, reverse=True)


def test_events_filters(client, raw):
    page = client.get(
        "/events",
        params={"type": "WatchEvent", "since": "2015-01-01T01:00:00Z", "until": "2015-01-01T01:10:00Z"},
    ).json()
    assert page["data"] and all(e["event_type"] == "WatchEvent" for e in page["data"])
    assert all("2015-01-01T01:00:00Z" <= e["created_at"] < "2015-01-01T01:10:00Z" for e in page["data"])
    actor = _top(raw.events_per_actor(H0, H2), 1)[0]
    rows = client.get("/events", params={"actor": actor, "limit": 500}).json()["data"]
    assert len(rows) == raw.events_per_actor(H0, H2)[actor]


def test_trending_and_coverage_are_reported(client):
    body = client.get("/trending-repos", params={"window": "24h", "limit": 5}).json()
    assert body["as_of"] == "2015-01-01T01:00:00Z" and body["window"] == "24h"
    assert body["coverage"]["hours_expected"] == 24
    assert body["coverage"]["hours_ok"] + body["coverage"]["hours_low"] == 2
    assert body["coverage"]["status"] == "partial"
    assert [r["rank"] for r in body["data"]] == sorted(r["rank"] for r in body["data"])
    one = client.get("/trending-repos", params={"window": "1h"}).json()
    assert one["coverage"]["hours_expected"] == 1
    quality = client.get("/quality/coverage").json()
    assert {h["event_hour"] for h in quality["hours"]} == {"2015-01-01T00:00:00Z", "2015-01-01T01:00:00Z"}


def test_repo_overview(client, raw):
    events = raw.events_per_repo(H0, H2)
    repo = _top(events, 1)[0]
    owner, name = repo.split("/", 1)
    body = client.get(f"/repos/{owner}/{name}").json()
    assert body["repo_name"] == repo and body["events"] == events[repo]
    assert body["coverage"]["hours_expected"] >= 1


def test_anomalies_list_is_well_formed_and_traces_to_gold(client, lake_home):
    body = client.get("/anomalies", params={"limit": 10}).json()
    assert body["data"], "the lake's gold anomalies mart has rows: an empty answer is a failure"
    hours = [a["event_hour"] for a in body["data"]]
    assert hours == sorted(hours, reverse=True)
    assert all(a["severity"] in {"low", "medium", "high"} for a in body["data"])
    gold = DeltaTable(str(lake_home / "lakehouse" / "gold" / "anomalies")).to_pyarrow_table().to_pylist()
    stored = {(r["entity"], r["metric"], r["observed"]) for r in gold}
    assert {(a["entity"], a["metric"], a["observed"]) for a in body["data"]} <= stored
