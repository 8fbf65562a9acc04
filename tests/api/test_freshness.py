"""A new ingest (new Delta versions) is visible without restarting the app; ETags follow versions."""

from __future__ import annotations

from tests.api.conftest import NEXT_HOUR, api_client, api_settings, build_gold, ingest_hour


def test_new_ingest_visible_without_restart(lake_copy, raw):
    settings = api_settings(lake_copy)
    with api_client(lake_copy) as client:
        before = client.get("/health").json()
        assert before["newest_hour"] == "2015-01-01T01:00:00Z"
        trending = client.get("/actors/top", params={"window": "1h"})
        etag = trending.headers["ETag"]
        assert (
            client.get("/actors/top", params={"window": "1h"}, headers={"If-None-Match": etag}).status_code
            == 304
        )

        hour, path = NEXT_HOUR
        ingest_hour(settings, hour, path)
        events = client.get("/events", params={"limit": 1}).json()["data"]
        assert events[0]["created_at"].startswith("2015-01-01T15:")  # silver seen before gold is rebuilt

        build_gold(settings)
        after = client.get("/health").json()
        assert after["newest_hour"] == "2015-01-01T15:00:00Z"
        assert (
            after["tables"]["gold.fct_repo_activity_hourly"]["version"]
            > before["tables"]["gold.fct_repo_activity_hourly"]["version"]
        )
        fresh = client.get("/actors/top", params={"window": "1h"}, headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
        assert fresh.json()["as_of"] == "2015-01-01T15:00:00Z"
