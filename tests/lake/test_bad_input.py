"""Bad records end to end: each is quarantined (once) or parsed, and the counts reconcile."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest

from ghintel_pipeline.lib.lake import run_ingest
from ghintel_pipeline.lib.lake.storage import SILVER
from tests.conftest import HOUR_1, LEGACY_2012
from tests.lake.conftest import file_lines, produce, quarantine_rows, silver_ids, table_rows

pytestmark = pytest.mark.broker


@pytest.mark.slow
def test_bad_records_are_quarantined_or_parsed_and_counts_reconcile(lake_settings, bootstrap, topic):
    good = file_lines(HOUR_1)[:300]
    template = orjson.loads(good[0])
    unknown = {**template, "id": "990000000001", "type": "SponsorshipEvent", "payload": {"action": "created"}}
    drift = {
        **template,
        "id": "990000000002",
        "brand_new_field": {"nested": [1, 2]},
        "actor": {**template["actor"], "display_login": "someone"},
    }
    huge = {**template, "id": "990000000003", "payload": {**template["payload"], "pad": "x" * 1_200_000}}
    legacy = file_lines(LEGACY_2012)[:40]
    bad = [b'{"id": "1", "type": ', b"\xff\xfe not utf-8 \x80", b"[1, 2, 3]", orjson.dumps(huge)]
    records = good + [orjson.dumps(unknown), orjson.dumps(drift)] + bad + legacy + good[:50]
    produce(bootstrap, topic, records)

    summary = run_ingest(lake_settings).to_dict()
    assert summary["bronze_written"] == len(records)
    assert summary["silver_written"] + summary["duplicates"] + summary["quarantined"] == len(records)
    # 38 of the 40 Timeline lines normalize; the 2 without a repository (Follow/Gist) stay quarantined.
    assert summary["silver_written"] == 302 + 38 and summary["duplicates"] == 50
    reasons = Counter(r["reason"] for r in quarantine_rows(lake_settings))
    assert reasons == {
        "legacy_timeline_format": 2,
        "malformed_json": 1,
        "non_utf8": 1,
        "not_an_object": 1,
        "oversized": 1,
    }
    assert summary["quarantined"] == sum(reasons.values())
    ids = silver_ids(lake_settings)
    assert "990000000001" in ids and "990000000002" in ids and "990000000003" not in ids
    other = table_rows(lake_settings, SILVER, ["event_id", "category"]).to_pylist()
    assert {r["category"] for r in other if r["event_id"] == "990000000001"} == {"other"}

    # A second run quarantines nothing again.
    assert run_ingest(lake_settings).to_dict()["quarantined"] == 0
    assert len(quarantine_rows(lake_settings)) == sum(reasons.values())
