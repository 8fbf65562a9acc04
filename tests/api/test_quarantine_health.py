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


def _counted(table, since) -> int:
    from ghintel_pipeline.lib.lake import quality
    from ghintel_pipeline.lib.lake.storage import table_dataset

    ((n,),) = quality.query("select count(*) from s where ingested_at >= ?", [since], s=table_dataset(table))
    return n


def _cut_points(table) -> list:
    import datetime as dt

    from ghintel_pipeline.lib.lake.storage import table_dataset

    out = [dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2100, 1, 1, tzinfo=dt.UTC)]
    step = dt.timedelta(microseconds=1)
    for fragment in table_dataset(table).get_fragments():
        values = sorted(v for v in fragment.to_table(columns=["ingested_at"])["ingested_at"].to_pylist() if v)
        if values:
            out += [values[0], values[0] + step, values[len(values) // 2], values[-1], values[-1] + step]
    return out


def test_ingested_since_equals_a_count_over_every_row(lake_copy, tmp_path):
    """Silver rows ingested since a time, from remembered per-file spans, against DuckDB's count over
    every row: cut points before, inside and after each file's span; then a new ingest (new files);
    and a table whose files span many times, NULLs included (the cut files are read)."""
    import datetime as dt

    import pyarrow as pa
    from deltalake import DeltaTable, write_deltalake

    from ghintel_pipeline.lib.lake import quality
    from ghintel_pipeline.lib.lake.storage import SILVER, open_table, table_dataset

    settings = api_settings(lake_copy)
    for step in ("loaded", "after a new hour"):
        if step != "loaded":
            ingest_hour(settings, "2012-06-14-15", LEGACY_2012)
        table = open_table(settings, SILVER)
        for since in _cut_points(table):
            assert quality.ingested_since(table, since) == _counted(table, since), (step, since)
        remembered = {k for k in quality._INGESTED if k[0] == table.table_uri}
        assert len(remembered) == len(list(table_dataset(table).get_fragments()))

    uri = str(tmp_path / "spread")
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for offsets in ([0, 5, 5, 9, None, 20], [30, 30], [None, None], [3, 40, 41]):
        times = [None if o is None else base + dt.timedelta(minutes=o) for o in offsets]
        data = pa.table({"ingested_at": pa.array(times, type=pa.timestamp("us", tz="UTC"))})
        write_deltalake(uri, data, mode="append")
    spread = DeltaTable(uri)
    points = _cut_points(spread)
    assert len({_counted(spread, p) for p in points}) >= 8  # the cut points split the rows differently
    for since in points:
        assert quality.ingested_since(spread, since) == _counted(spread, since), since
