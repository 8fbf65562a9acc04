"""The history routes: a repository's trending ranks per scored hour and an actor's activity per
day, against the current ranking and independent counts over the raw GH Archive files."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.api.test_numbers import H0, H1, H2, _top


def _trending(client, window: str, as_of: str | None = None) -> list[dict]:
    params = {"window": window, "limit": 500} | ({"as_of": as_of} if as_of else {})
    body = client.get("/trending-repos", params=params).json()
    assert body["table"] == ("repo_trending_history" if as_of else "repo_trending")  # the rows' provenance
    return body["data"]


def test_history_newest_point_is_the_current_ranking(client):
    for window in ("1h", "24h"):
        current = _trending(client, window)
        assert current, window
        for row in current[:5]:
            body = client.get(f"/repos/{row['repo_name']}/trending/history", params={"window": window}).json()
            assert body["repo"] == row["repo_name"] and body["window"] == window
            assert body["as_of"] == "2015-01-01T01:00:00Z" and body["hours"] == 168
            newest = body["data"][-1]
            assert newest["as_of"] == body["as_of"] and newest["ranked"]
            assert (newest["rank"], newest["score"]) == (row["rank"], row["score"])
            assert newest["stargazers"] == row["stargazers"]
            assert body["scored_hours"] == len(body["data"]) == 2  # hours 0 and 1 of the session lake


def test_history_earlier_point_is_that_hours_ranking(client):
    """/trending-repos?as_of=<hour 0> reads the same history: both must agree for every repo."""
    at_zero = {r["repo_name"]: r for r in _trending(client, "24h", "2015-01-01T00:00:00Z")}
    assert at_zero
    for name, row in list(at_zero.items())[:5]:
        body = client.get(f"/repos/{name}/trending/history", params={"window": "24h"}).json()
        first = body["data"][0]
        assert first["as_of"] == "2015-01-01T00:00:00Z"
        assert (first["rank"], first["score"]) == (row["rank"], row["score"])


def test_history_marks_hours_without_a_rank(client):
    ranked_now = {r["repo_name"] for r in _trending(client, "1h")}
    at_zero = {r["repo_name"] for r in _trending(client, "1h", "2015-01-01T00:00:00Z")}
    name = sorted(ranked_now - at_zero)[0]
    body = client.get(f"/repos/{name}/trending/history", params={"window": "1h"}).json()
    assert [p["ranked"] for p in body["data"]] == [False, True]
    assert body["data"][0]["rank"] is None and body["data"][0]["score"] is None
    assert body["ranked_hours"] == 1 and body["best_rank"] == body["data"][1]["rank"]


def test_history_span_and_errors(client):
    name = _trending(client, "24h")[0]["repo_name"]
    one = client.get(
        f"/repos/{name}/trending/history", params={"window": "24h", "hours": 1, "as_of": "2015-01-01T00:59Z"}
    ).json()
    assert one["as_of"] == one["since"] == "2015-01-01T00:00:00Z" and len(one["data"]) == 1
    assert client.get(f"/repos/{name}/trending/history", params={"hours": 0}).status_code == 422
    assert client.get(f"/repos/{name}/trending/history", params={"hours": 2161}).status_code == 422
    assert client.get(f"/repos/{name}/trending/history", params={"windw": "1h"}).status_code == 422
    assert client.get("/repos/no-such/repo-here/trending/history").status_code == 404
    clamped = client.get(f"/repos/{name}/trending/history", params={"as_of": "2030-01-01T00:00Z"}).json()
    assert clamped["as_of"] == "2015-01-01T01:00:00Z" and "clamped" in clamped["coverage"]["notes"][0]


def test_actor_activity_matches_raw(client, raw):
    events = raw.events_per_actor(H0, H2)
    logins = _top(events, 5) + [sorted(events)[len(events) // 2]]
    for login in logins:
        body = client.get(f"/actor/{login}/activity", params={"window": "7d"}).json()
        assert body["totals"]["events"] == events[login], login
        assert body["granularity"] == "day" and len(body["series"]) == 8  # 7 days back, whole days
        assert body["window_start"] == "2014-12-25T00:00:00Z"
        assert body["window_end"] == "2015-01-01T02:00:00Z"
        assert sum(p["events"] for p in body["series"]) == events[login]
        newest = body["series"][-1]
        assert newest["ts"] == "2015-01-01T00:00:00Z" and newest["events"] == events[login]
        assert newest["coverage"] == "ok" and body["series"][0]["coverage"] == "missing"
        assert newest["repos"] >= 1
        profile = client.get(f"/actor/{login}").json()
        assert profile["events"] == body["totals"]["events"]


def test_actor_activity_per_hour_matches_raw(client, raw):
    first, second = raw.events_per_actor(H0, H1), raw.events_per_actor(H1, H2)
    both = raw.events_per_actor(H0, H2)
    for login in _top(both, 5):
        body = client.get(f"/actor/{login}/activity", params={"window": "24h"}).json()
        assert body["granularity"] == "hour" and len(body["series"]) == 24
        assert body["window_start"] == "2014-12-31T02:00:00Z" and body["totals"]["events"] == both[login]
        *_, zero, one = body["series"]
        assert (zero["ts"], one["ts"]) == ("2015-01-01T00:00:00Z", "2015-01-01T01:00:00Z")
        assert (zero["events"], one["events"]) == (first.get(login, 0), second.get(login, 0)), login
        days = client.get(f"/actor/{login}/activity", params={"window": "24h", "granularity": "day"}).json()
        assert [p["events"] for p in days["series"]] == [0, both[login]]


def test_actor_activity_errors(client):
    assert client.get("/actor/nobody-has-this-login-x/activity").status_code == 404
    login = client.get("/actors/top", params={"window": "24h", "limit": 1}).json()["data"][0]["login"]
    assert client.get(f"/actor/{login}/activity", params={"window": "2d"}).status_code == 422
    assert client.get(f"/actor/{login}/activity", params={"granularity": "minute"}).status_code == 422
    early = client.get(f"/actor/{login}/activity", params={"window": "1h", "as_of": "2015-01-01T00:00Z"})
    assert early.json()["as_of"] == datetime(2015, 1, 1, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
