"""github_anomalies: each anomaly row once, as gold versions land (real Delta table, real broker)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from ghintel_pipeline.lib.lake import lake_table_uri
from ghintel_pipeline.lib.topics.publish import publish_anomalies

pytestmark = pytest.mark.broker
H = dt.datetime(2015, 1, 1, 15, tzinfo=dt.UTC)


def _anomalies(*rows: tuple[int, str, float]) -> pa.Table:
    return pa.table(
        {
            "entity_type": ["repo"] * len(rows),
            "entity": [f"owner/repo{r[0]}" for r in rows],
            "entity_id": [r[0] for r in rows],
            "metric": [r[1] for r in rows],
            "event_hour": pa.array([H] * len(rows), pa.timestamp("us", tz="UTC")),
            "score": [r[2] for r in rows],
        }
    )


def test_only_rows_new_to_gold_are_published(lake_settings, subscribe):
    uri = lake_table_uri(lake_settings, "gold", "anomalies")
    assert publish_anomalies(lake_settings).messages == 0  # no gold table yet: nothing, no error
    feed = subscribe(lake_settings.ghintel_anomalies_topic)
    write_deltalake(uri, _anomalies((1, "stars", 9.0), (2, "pushes", 7.5)))
    assert publish_anomalies(lake_settings).messages == 2
    assert publish_anomalies(lake_settings).messages == 0
    # A rebuild rewrites the mart: row 1 rescored, row 2 kept, row 3 new -> only row 3 is news.
    write_deltalake(
        uri, _anomalies((1, "stars", 9.5), (2, "pushes", 7.5), (3, "forks", 6.0)), mode="overwrite"
    )
    summary = publish_anomalies(lake_settings)
    assert summary.messages == 1
    messages = feed.wait_for(3)
    assert [m.key for m in messages].count("repo:3:forks:2015-01-01T15:00:00Z") == 1
    assert sorted(m.key for m in messages) == [
        "repo:1:stars:2015-01-01T15:00:00Z",
        "repo:2:pushes:2015-01-01T15:00:00Z",
        "repo:3:forks:2015-01-01T15:00:00Z",
    ]
    new = next(m for m in messages if m.key.startswith("repo:3:"))
    assert new.value["entity"] == "owner/repo3" and new.value["score"] == 6.0
    assert new.headers["ghintel-schema"] == "GoldAnomalyV1"


def test_gold_build_without_a_broker_publishes_later(lake_settings, tmp_path):
    from ghintel_pipeline.lib.settings import Settings

    offline = Settings(
        ghintel_home=tmp_path / "no-broker",
        ghintel_lake_root=lake_settings.lake_root,
        kafka_bootstrap_servers=None,
    )
    write_deltalake(lake_table_uri(lake_settings, "gold", "anomalies"), _anomalies((5, "events", 4.0)))
    assert publish_anomalies(offline) is None  # no broker: skipped, nothing recorded
    assert publish_anomalies(lake_settings).messages == 1


def test_monitor_investigations_reach_the_anomalies_topic(lake_settings, subscribe, tmp_path):
    import json

    from ghintel_agents.monitor import write_investigations
    from ghintel_pipeline.lib.settings import Settings
    from ghintel_pipeline.lib.topics.publish import publish_investigations

    report = {"agent": "anomaly-investigator", "findings": [{"text": "share 0.5", "citations": ["c1"]}]}
    row = {
        "anomaly_id": "repo:owner/repo1:stars:2015-01-01T15",
        "entity_type": "repo",
        "entity": "owner/repo1",
        "metric": "stars",
        "event_hour": H,
        "investigated_at": H,
        "anomalies_version": 3,
        "verified": True,
        "findings": 1,
        "rejected": 0,
        "model": "deterministic",
        "report": json.dumps(report),
    }
    version = write_investigations(lake_settings, [row])
    feed = subscribe(lake_settings.ghintel_anomalies_topic)
    assert publish_investigations(lake_settings, [row], version) == 1
    (message,) = feed.wait_for(1)
    assert message.key == "investigation:repo:owner/repo1:stars:2015-01-01T15"
    assert message.headers["ghintel-schema"] == "AnomalyInvestigationV1"
    assert message.value["report"] == report and message.value["verified"] is True
    offline = Settings(ghintel_home=tmp_path / "no-broker", kafka_bootstrap_servers=None)
    assert publish_investigations(offline, [row], version) == 0  # no broker: logged, not raised
