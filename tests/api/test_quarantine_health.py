"""Quarantine where users look: `GET /quality/quarantine` and the quarantine share in `/health`."""

from __future__ import annotations

from tests.api.conftest import api_client, api_settings, ingest_hour
from tests.conftest import LEGACY_2012


def test_quarantine_report_and_degraded_health(lake_copy):
    with api_client(lake_copy) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok" and health["reasons"] == []
        assert health["quarantine"]["quarantined"] == 0 and health["kafka_lag"] is None  # no broker here
        assert client.get("/quality/quarantine").json()["total"] == 0

    # The 2012 hour: its 337 user/gist events (207 GistEvent, 130 FollowEvent) stay in quarantine.
    ingest_hour(api_settings(lake_copy), "2012-06-14-15", LEGACY_2012)
    with api_client(lake_copy, ghintel_max_quarantine_share=0.01) as client:
        response = client.get("/health")
        health = response.json()
        assert response.status_code == 200, "degraded is still an answer; 503 is only for an empty lake"
        assert health["status"] == "degraded"
        assert [r["code"] for r in health["reasons"]] == ["quarantine"]
        share = health["quarantine"]
        accepted = health["tables"]["silver.github_events"]["rows"]
        assert share["quarantined"] == 337 and share["accepted"] == accepted
        assert share["share"] == round(337 / (337 + accepted), 6) and share["threshold"] == 0.01

        response = client.get("/quality/quarantine", params={"since": "2000-01-01T00:00:00Z"})
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["total"] == 337 and report["by_reason"] == {"legacy_timeline_format": 337}
        [group] = report["groups"]
        assert group["source"] == "gharchive" and group["records"] == 337
        assert group["hour"].startswith("2012-06-14T15:00:00"), "the GH Archive file's hour"
        assert len(group["examples"]) == 3
        assert all(
            "without a repository" in e["message"] and len(e["raw_sha1"]) == 40 for e in group["examples"]
        )
        assert "gist.github.com" not in response.text, "raw records never leave the lake"
        assert (
            client.get("/quality/quarantine", params={"until": "2001-01-01T00:00:00Z"}).json()["total"] == 0
        )
        assert client.get("/quality/quarantine", params={"limit": 0}).status_code == 422
