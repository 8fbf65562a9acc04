"""Keys configured: guessing is throttled and counted, two keys are refused, /health tells the
inventory only to key holders, and caches are told that answers depend on the key."""

from __future__ import annotations

from tests.api.conftest import api_client

KEY = {"X-API-Key": "k-one"}


def test_key_guessing_meets_429_and_is_counted(lake_home):
    with api_client(lake_home, ghintel_api_keys="k-one", ghintel_api_auth_failures=5) as client:
        guesses = [{"X-API-Key": f"guess-{i}"} for i in range(30)]
        codes = [client.get("/actors/top", headers=guess).status_code for guess in guesses]
        assert codes[:5] == [401] * 5 and 429 in codes
        first = codes.index(429)
        assert set(codes[first:]) <= {401, 429} and codes[first:].count(429) >= 20
        barred = client.get("/actors/top", headers=KEY)  # no key comparison while barred, right or wrong
        assert barred.status_code == 429 and barred.json()["error"] == "auth_throttled"
        assert int(barred.headers["Retry-After"]) >= 1
        health = client.get("/health", headers=KEY)
        assert health.status_code == 200 and set(health.json()) == {"status"}
    with api_client(lake_home, ghintel_api_keys="k-one", ghintel_api_auth_failures=2) as client:
        for _ in range(2):
            client.get("/actors/top")
        client.get("/health", headers={"X-API-Key": "wrong"})  # /health is no free oracle
        assert client.get("/actors/top", headers=KEY).status_code == 429
    with api_client(lake_home, ghintel_api_keys="k-one", ghintel_api_auth_failures=1000) as client:
        for i in range(3):
            client.get("/actors/top", headers={"X-API-Key": f"guess-{i}"})
        metrics = client.get("/metrics", headers=KEY).text
        assert "ghintel_api_unauthorized_total 3.0" in metrics
        assert "ghintel_api_auth_throttled_total 0.0" in metrics


def test_two_key_headers_are_refused(lake_home):
    with api_client(lake_home, ghintel_api_keys="k-one") as client:
        both = client.get("/actors/top", headers=[("X-API-Key", "k-one"), ("X-API-Key", "other")])
        assert both.status_code == 400 and both.json()["request_id"]
        assert "X-API-Key" in both.json()["message"]


def test_health_inventory_needs_a_key_and_answers_vary_on_it(lake_home):
    with api_client(lake_home, ghintel_api_keys="k-one") as client:
        anonymous = client.get("/health")
        assert anonymous.status_code == 200 and anonymous.json() == {"status": "ok"}
        full = client.get("/health", headers=KEY).json()
        assert full["status"] == "ok" and full["tables"]["gold.dim_repos"]["version"] is not None
        assert full["tables"]["silver.github_events"]["rows"] > 0
        keyed, refused = client.get("/trending-repos", headers=KEY), client.get("/trending-repos")
        for response in (anonymous, keyed, refused):
            assert response.headers["vary"] == "X-API-Key"
            assert response.headers["x-content-type-options"] == "nosniff"
    with api_client(lake_home) as client:  # no keys configured: everyone holds "the key"
        assert "tables" in client.get("/health").json()
        assert "vary" not in client.get("/trending-repos").headers


def test_rate_limit_charges_by_cost(lake_home):
    with api_client(lake_home, ghintel_api_rate_limit="8/minute", ghintel_api_keys="k-one,k-two") as client:
        scans = [client.get("/events", params={"limit": n}, headers=KEY).status_code for n in (1, 2, 3)]
        assert scans == [200, 200, 429]  # a silver scan costs 4 of the 8 tokens
        refused = client.get("/events", params={"limit": 4}, headers=KEY)
        assert "costs 4" in refused.json()["message"] and int(refused.headers["Retry-After"]) >= 1
        other = {"X-API-Key": "k-two"}
        urls = [f"/trending-repos?limit={n}" for n in range(1, 10)]
        lookups = [client.get(url, headers=other).status_code for url in urls]
        assert lookups == [200] * 8 + [429]  # a point lookup costs 1
