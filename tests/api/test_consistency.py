"""Answers a user compares with each other: one error envelope, 422 for contradictions, clamped
as_of said out loud, 0 vs null, 404s alike, fixed window order, canonical query strings."""

from __future__ import annotations

from tests.api.test_numbers import H0, H2, _top


def _envelope(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error and body["message"] and len(body["request_id"]) >= 8, body
    assert response.headers["x-content-type-options"] == "nosniff"
    return body


def test_one_error_envelope_for_routing_errors(client):
    _envelope(client.get("/no-such-route"), 404, "not_found")
    _envelope(client.post("/trending-repos"), 405, "method_not_allowed")
    _envelope(client.get("/trending-repos", params={"windw": "7d"}), 422, "validation_error")
    for path in ("/repos/mozilla/gecko-dev", "/health", "/metrics"):
        _envelope(client.get(path, params={"x": "1"}), 422, "validation_error")


def test_contradictions_and_unknown_types_are_422(client):
    late, early = "2015-01-01T02:00:00Z", "2015-01-01T01:00:00Z"
    for path in ("/events", "/quality/coverage"):
        body = _envelope(client.get(path, params={"since": late, "until": early}), 422, "validation_error")
        assert "since" in body["message"] and "after until" in body["message"]
    body = _envelope(client.get("/events", params={"type": "NoSuchEvent"}), 422, "validation_error")
    assert "type" in body["message"]
    assert client.get("/events", params={"type": "WatchEvent", "limit": 1}).status_code == 200


def test_repeated_parameters_are_422(client):
    body = _envelope(client.get("/trending-repos?limit=1&limit=500"), 422, "validation_error")
    assert "limit" in body["message"]


def test_spellings_of_one_query_share_one_cache_entry(client):
    first = client.get("/trending-repos?window=1h&limit=7")
    assert first.status_code == 200 and "x-cache" not in first.headers
    spellings = ("limit=7.0&window=1h", "limit=%207&window=1h", "window=1h&limit=+7", "limit=07&window=1h")
    for spelling in spellings:
        again = client.get(f"/trending-repos?{spelling}")
        assert again.headers.get("x-cache") == "hit", spelling
        assert again.headers["etag"] == first.headers["etag"] and again.content == first.content


def test_as_of_outside_the_lake_is_clamped_and_says_so(client):
    after = client.get("/trending-repos", params={"window": "1h", "as_of": "2030-01-01T00:00:00Z"}).json()
    assert after["as_of"] == "2015-01-01T01:00:00Z"
    assert "clamped to 2015-01-01T01:00:00+00:00" in after["coverage"]["notes"][0]
    before = client.get("/actors/top", params={"window": "1h", "as_of": "2001-01-01T00:00:00Z"}).json()
    assert before["as_of"] == "2015-01-01T00:00:00Z" and before["data"]
    assert "before the oldest hour" in before["coverage"]["notes"][0]
    inside = client.get("/actors/top", params={"window": "1h", "as_of": "2015-01-01T00:00:00Z"}).json()
    assert not any("clamped" in n for n in inside["coverage"]["notes"])


def test_commits_is_zero_without_pushes_never_null(client, raw):
    actors = client.get("/actors/top", params={"window": "24h", "limit": 200, "include_bots": True}).json()
    rows = actors["data"]
    assert any(r["pushes"] == 0 for r in rows) and any(r["pushes"] > 0 for r in rows)
    for row in rows:
        assert row["commits"] == 0 if row["pushes"] == 0 else row["commits"] > 0, row
    repo = _top(raw.events_per_repo(H0, H2), 1)[0]
    activity = client.get(f"/repo/{repo}/activity", params={"window": "24h"}).json()
    points = [activity["totals"], *activity["series"]]
    assert any(p["pushes"] == 0 for p in points)
    for point in points:
        if point["pushes"] == 0:
            assert point["commits"] == 0, point


def test_anomalies_unknown_entities_are_404_like_events(client):
    _envelope(client.get("/anomalies", params={"repo": "no-such/repo-xyz"}), 404, "not_found")
    _envelope(client.get("/anomalies", params={"org": "no-such-org-xyz"}), 404, "not_found")
    _envelope(client.get("/events", params={"repo": "no-such/repo-xyz"}), 404, "not_found")


def test_anomalies_without_since_describe_the_lake(client):
    body = client.get("/anomalies", params={"severity": "high", "limit": 1}).json()
    assert "the lake has no data yet" not in body["coverage"]["notes"]
    assert body["coverage"]["hours_expected"] == 2  # the lake's two hours
    future = client.get("/anomalies", params={"since": "2030-01-01T00:00:00Z"}).json()
    assert future["data"] == [] and "the lake has no data yet" not in future["coverage"]["notes"]


def test_trending_windows_in_fixed_order(client):
    ranked = client.get("/trending-repos", params={"window": "1h", "limit": 50}).json()["data"]
    day = {r["repo_name"] for r in client.get("/trending-repos", params={"limit": 500}).json()["data"]}
    repo = next(r["repo_name"] for r in ranked if r["repo_name"] in day)
    windows = [t["window"] for t in client.get(f"/repos/{repo}").json()["trending"]]
    assert len(windows) >= 2
    order = ["1h", "24h", "7d", "30d"]
    assert windows == sorted(windows, key=order.index)


def test_if_none_match_star_validates_and_checks_existence_first(client):
    star = {"If-None-Match": "*"}
    assert client.get("/repos/no-such/repo-xyz", headers=star).status_code == 404
    assert client.get("/trending-repos", params={"limit": 0}, headers=star).status_code == 422
    assert client.get("/trending-repos", params={"windw": "1h"}, headers=star).status_code == 422
    fresh = client.get("/trending-repos", params={"limit": 3, "window": "7d"}, headers=star)
    assert fresh.status_code == 304 and fresh.headers["etag"] and fresh.content == b""
    cached = client.get("/trending-repos", params={"limit": 3, "window": "7d"}, headers=star)
    assert cached.status_code == 304


def test_cursors_are_bound_to_their_filters(client, raw):
    repo = _top(raw.events_per_repo(H0, H2), 1)[0]
    page = client.get("/events", params={"repo": repo, "limit": 5}).json()
    cursor = page["next_cursor"]
    assert client.get("/events", params={"repo": repo, "limit": 5, "cursor": cursor}).status_code == 200
    # another page size continues the same query; another filter does not
    assert client.get("/events", params={"repo": repo, "limit": 50, "cursor": cursor}).status_code == 200
    others = ({"limit": 5}, {"repo": repo, "type": "PushEvent"}, {"repo": repo, "since": "2015-01-01T00:00Z"})
    for other in others:
        _envelope(client.get("/events", params={**other, "cursor": cursor}), 422, "validation_error")


def test_identical_requests_in_flight_run_once(lake_home):
    """Single-flight: concurrent identical requests (any spelling) share one computation."""
    import asyncio

    import httpx

    from ghintel_api.core.lake import Lake
    from ghintel_api.main import create_app
    from tests.api.conftest import api_settings

    settings = api_settings(lake_home, ghintel_api_response_cache_mb=0)
    app = create_app(settings)
    app.state.lake = lake = Lake(settings)
    lake.open()

    async def storm() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            urls = [f"/events?type=PushEvent&limit={n}" for n in ("20", "20.0", " 20", "+20")] * 3
            return await asyncio.gather(*(client.get(url) for url in urls))

    try:
        answers = asyncio.run(storm())
    finally:
        lake.close()
    assert {a.status_code for a in answers} == {200} and len({a.content for a in answers}) == 1
    coalesced = app.state.metrics.registry.get_sample_value("ghintel_api_coalesced_total")
    assert coalesced >= 6, coalesced  # 12 requests, the cache off: most of them waited for the first
