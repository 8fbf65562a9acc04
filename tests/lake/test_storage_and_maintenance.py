"""Table locations, S3 options and table maintenance."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from ghintel_pipeline.lib.lake import backfill_gharchive_hour, lake_table_uri, maintain_tables, open_table
from ghintel_pipeline.lib.lake.storage import BRONZE, SILVER, storage_options, table_dataset
from ghintel_pipeline.lib.settings import Settings
from tests.conftest import HOUR_0, HOUR_1
from tests.lake.conftest import read_in_subprocess


def test_local_and_s3_locations(tmp_path, set_env):
    set_env({"GHINTEL_HOME": str(tmp_path)})
    local = Settings()
    assert lake_table_uri(local, "silver", "github_events") == f"{tmp_path}/lakehouse/silver/github_events"
    assert storage_options(local) is None
    set_env(
        {
            "GHINTEL_LAKE_ROOT": "s3://lake/ghintel/",
            "GHINTEL_S3_ENDPOINT_URL": "http://127.0.0.1:5000",
            "AWS_ACCESS_KEY_ID": "test-key",
            "AWS_SECRET_ACCESS_KEY": "test-secret",
            "AWS_REGION": "us-east-1",
            "GHINTEL_S3_ALLOW_HTTP": "true",
            "GHINTEL_S3_CONDITIONAL_PUT": "etag",
        }
    )
    s3 = Settings()
    assert lake_table_uri(s3, "bronze", "github_events") == "s3://lake/ghintel/bronze/github_events"
    assert storage_options(s3) == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "AWS_ACCESS_KEY_ID": "test-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
        "AWS_REGION": "us-east-1",
        "AWS_ALLOW_HTTP": "true",
        "conditional_put": "etag",
    }


def test_maintenance_compacts_closed_partitions_and_keeps_the_data(tmp_path, monkeypatch):
    monkeypatch.setenv("GHINTEL_HOME", str(tmp_path / "home"))
    settings = Settings()
    for hour, path in (("2015-01-01-0", HOUR_0), ("2015-01-01-1", HOUR_1)):
        backfill_gharchive_hour(settings, hour, path_or_url=str(path))
    silver = open_table(settings, SILVER)
    rows_before = silver.to_pyarrow_table().sort_by("event_id")
    files_before = len(silver.file_uris())
    assert files_before >= 2

    report = maintain_tables(settings, today=dt.date(2015, 1, 10))
    silver = open_table(settings, SILVER)
    assert report["silver/github_events"]["compacted"]["numFilesRemoved"] == files_before
    assert len(silver.file_uris()) == 1
    assert silver.to_pyarrow_table().sort_by("event_id").equals(rows_before)
    # Replaced files stay for readers of older versions until the retention has passed.
    assert report["silver/github_events"]["vacuumed_files"] == 0
    # Bronze's ingest-date partition is today's: open, so left alone.
    assert report["bronze/github_events"]["compacted"]["numFilesRemoved"] in (0, None)
    assert table_dataset(open_table(settings, BRONZE)).count_rows() == rows_before.num_rows

    with pytest.raises(Exception, match="(?i)retention"):
        maintain_tables(settings, retention_hours=1)


def test_a_reading_process_exits_cleanly_with_scans_left_unfinished(tmp_path):
    # Many small files, as minute commits leave them: arrow then has fragments in flight when the
    # reader stops early. Read through delta-rs' Python filesystem, this process died at exit
    # (134 "terminate called without an active exception", or 139) nearly every time.
    uri = str(tmp_path / "many_files")
    for i in range(20):
        rows = pa.table({"n": list(range(i * 1000, (i + 1) * 1000)), "pad": ["x" * 200] * 1000})
        write_deltalake(uri, rows, mode="append")
    assert read_in_subprocess([uri]) == {uri: 20_000}
