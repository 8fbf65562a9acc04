"""github_clean_events / github_quarantine_events: a real hour delivered twice, real broker, real lake."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from ghintel_pipeline.lib.contracts import SILVER_EVENT_SCHEMA, EnrichedGitHubEventV1
from ghintel_pipeline.lib.lake import open_table, run_ingest
from ghintel_pipeline.lib.lake.storage import PUBLISH_LOG
from ghintel_pipeline.lib.topics.publish import published_app_id
from tests.conftest import HOUR_1
from tests.lake.conftest import event_id, file_lines, produce, quarantine_rows, silver_ids

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def test_hour_delivered_twice_reaches_the_clean_topic_once(lake_settings, bootstrap, topic, subscribe):
    lines = file_lines(HOUR_1)
    broken = [b'{"id": "1", "type": ', b"\xff\xfe not json"]
    clean = subscribe(lake_settings.ghintel_clean_topic)
    rejected = subscribe(lake_settings.ghintel_quarantine_topic)
    produce(bootstrap, topic, lines + broken)
    # The second delivery arrives while the first ingest is running.
    second = threading.Thread(target=produce, args=(bootstrap, topic, lines))
    second.start()
    first = run_ingest(lake_settings, max_rows=3000).to_dict()
    second.join()
    again = run_ingest(lake_settings, max_rows=3000).to_dict()
    assert first["bronze_written"] + again["bronze_written"] == 2 * len(lines) + 2

    ids = silver_ids(lake_settings)
    assert len(ids) == len({event_id(line) for line in lines})
    messages = clean.wait_for(len(ids))
    keys = Counter(m.key for m in messages)
    assert set(keys) == set(ids)
    assert max(keys.values()) == 1, "an event id reached the clean topic twice"

    sample = messages[len(messages) // 2]
    assert list(sample.value) == SILVER_EVENT_SCHEMA.names
    event = EnrichedGitHubEventV1.model_validate(sample.value)
    assert event.event_id == sample.key
    assert sample.headers["ghintel-schema"] == "EnrichedGitHubEventV1"
    assert sample.headers["ghintel-schema-version"] == "1"
    assert sample.headers["ghintel-source"] == "gharchive"

    quarantined = rejected.wait_for(2)
    assert sorted(m.value["reason"] for m in quarantined) == sorted(
        r["reason"] for r in quarantine_rows(lake_settings)
    )
    assert {m.value["raw"] for m in quarantined} == {'{"id": "1", "type": ', "\ufffd\ufffd not json"}

    log = open_table(lake_settings, PUBLISH_LOG)
    silver_version = open_table(lake_settings, ("silver", "github_events")).version()
    assert log.transaction_version(published_app_id(lake_settings.ghintel_clean_topic)) == silver_version
    assert not [c for c in log.history() if c.get("ghintel.resend") == "True"]
