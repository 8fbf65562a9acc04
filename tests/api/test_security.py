"""Auth, rate limiting, hostile input: 4xx (or empty), never 5xx, never data from elsewhere."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.api.conftest import api_client

HOSTILE = [
    "'",
    '"',
    "' OR '1'='1",
    "1; DROP TABLE dim_repos; --",
    "x' UNION SELECT * FROM dim_actors --",
    "%",
    "_",
    "*",
    "\\",
    "../../etc/passwd",
    "..",
    "%2e%2e%2f",
    "/etc/passwd",
    "read_csv('/etc/passwd')",
    "NULL",
    "\u0000",
    "😀",
    "a" * 5000,
    "-1",
    "1e309",
    "2015-13-45",
    "$(id)",
    "<script>",
    "%00",
    ";",
]
QUERY_PARAMS = {
    "/trending-repos": ["window", "limit", "as_of"],
    "/org/mozilla/summary": ["window", "as_of", "granularity", "top"],
    "/repo/mozilla/gecko-dev/activity": ["window", "granularity", "as_of"],
    "/actors/top": ["window", "limit", "include_bots", "metric", "as_of"],
    "/anomalies": ["since", "severity", "repo", "org", "limit"],
    "/events": ["repo", "actor", "type", "since", "until", "limit", "cursor"],
    "/quality/coverage": ["since", "until", "limit"],
    "/repos/mozilla/gecko-dev": [],
    "/repos/mozilla/gecko-dev/trending/history": ["window", "as_of", "hours"],
    "/actor/KenanSulayman/activity": ["window", "as_of"],
}
PATH_TEMPLATES = [
    "/org/{}/summary",
    "/repo/{}/x/activity",
    "/repo/x/{}/activity",
    "/repos/{}/x",
    "/repos/x/{}",
    "/repos/{}/x/trending/history",
    "/actor/{}/activity",
]


def test_hostile_query_parameters_never_5xx(client):
    for path, params in QUERY_PARAMS.items():
        for param in params:
            for value in HOSTILE:
                response = client.get(path, params={param: value})
                assert response.status_code < 500, (path, param, value, response.text)
                assert response.status_code in (200, 404, 422), (path, param, value)
                if response.status_code == 200 and path == "/events" and param in ("repo", "actor", "type"):
                    assert response.json()["data"] == []


def test_hostile_path_segments_never_5xx(client):
    for template in PATH_TEMPLATES:
        for value in HOSTILE:
            response = client.get(template.format(quote(value, safe="")))
            assert response.status_code in (404, 422), (template, value, response.status_code)


def test_wildcards_and_unknown_parameters(client):
    # "_" must not act as a pattern: no org is named "_", so it is unknown, not "any org".
    assert client.get("/org/_/summary").status_code == 404
    assert client.get("/events", params={"type": "Push_vent"}).status_code == 422
    typo = client.get("/trending-repos", params={"windw": "7d"})
    assert typo.status_code == 422 and "windw" in typo.json()["message"]


@pytest.mark.parametrize(
    ("params", "needle"),
    [
        ({"window": "2h"}, "window"),
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "2015-02-30T00:00:00Z"}, "as_of"),
        ({"as_of": "1800-01-01T00:00:00Z"}, "as_of"),
        ({"as_of": "9999-12-31T23:59:59Z"}, "as_of"),
    ],
)
def test_validation_errors_are_clear_422(client, params, needle):
    response = client.get("/trending-repos", params=params)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error" and needle in body["message"]


def test_unknown_entities_are_404(client):
    assert client.get("/org/no-such-org-xyz/summary").status_code == 404
    assert client.get("/repo/no-such/repo-xyz/activity").status_code == 404
    assert client.get("/repos/no-such/repo-xyz").status_code == 404
    assert client.get("/events", params={"actor": "no-such-actor-xyz"}).status_code == 404
    assert client.get("/events", params={"repo": "no-such/repo-xyz"}).status_code == 404
    body = client.get("/org/no-such-org-xyz/summary").json()
    assert body["error"] == "not_found" and body["request_id"]


@pytest.mark.parametrize(
    "path",
    [
        "/org/no-such-org-xyz/summary",
        "/repo/no-such/repo-xyz/activity",
        "/repo/no-such/repo-xyz/stargazers",
        "/repos/no-such/repo-xyz",
        "/repos/no-such/repo-xyz/trending/history",
        "/actor/no-such-actor-xyz",
        "/actor/no-such-actor-xyz/activity",
    ],
)
def test_bad_parameters_are_422_before_unknown_entities_are_404(client, path):
    # entities are resolved after every parameter was validated: a typo is never hidden by a 404
    response = client.get(path, params={"windw": "7d"})
    assert response.status_code == 422 and "windw" in response.json()["message"]


def test_bad_cursor_is_422(client):
    for cursor in ("abc", "MTIzOmFiYw", "OTk5OTk5OTk5OTk5OTk5OTk5OjE"):
        assert client.get("/events", params={"cursor": cursor}).status_code == 422


def test_api_keys(lake_home):
    with api_client(lake_home, ghintel_api_keys="k-one, k-two") as client:
        assert client.get("/trending-repos").status_code == 401
        assert client.get("/trending-repos", headers={"X-API-Key": "wrong"}).status_code == 401
        assert client.get("/trending-repos", headers={"X-API-Key": "k-one"}).status_code == 200
        assert client.get("/actors/top", headers={"X-API-Key": "k-two"}).status_code == 200
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"X-API-Key": "k-two"}).status_code == 200
        for open_path in ("/health", "/docs", "/openapi.json"):
            assert client.get(open_path).status_code == 200, open_path
        assert (
            client.get("/trending-repos", headers={"X-API-Key": "k-one"})
            .headers["Cache-Control"]
            .startswith("private")
        )


def test_rate_limit(lake_home):
    with api_client(lake_home, ghintel_api_rate_limit="5/minute", ghintel_api_keys="a,b") as client:
        codes = [client.get("/actors/top", headers={"X-API-Key": "a"}).status_code for _ in range(7)]
        assert codes == [200] * 5 + [429] * 2
        limited = client.get("/actors/top", headers={"X-API-Key": "a"})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        # another key has its own bucket; /health is never limited
        assert client.get("/actors/top", headers={"X-API-Key": "b"}).status_code == 200
        assert client.get("/health").status_code == 200
        metrics = client.get("/metrics", headers={"X-API-Key": "b"}).text
        assert "ghintel_api_rate_limited_total 3.0" in metrics


def test_request_id_and_metrics(client):
    response = client.get("/actors/top", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = client.get("/actors/top", headers={"X-Request-ID": "bad id with spaces"})
    assert generated.headers["x-request-id"] != "bad id with spaces"
    text = client.get("/metrics").text
    assert 'ghintel_api_requests_total{method="GET",route="/actors/top",status="200"}' in text
    assert "ghintel_api_request_duration_seconds_bucket" in text
    assert 'ghintel_api_lake_table_version{table="gold.repo_trending"}' in text
