"""The report over a lake built by the real pipeline from shared GH Archive hours."""

from __future__ import annotations

import datetime as dt

from deltalake import DeltaTable

from ghintel_pipeline.lib.reports import generate_report
from tests.reports.conftest import (
    assert_report_matches_gold,
    assert_valid_png,
    expected_anomalies,
    gold_rows,
    markdown_table,
)


def test_report_over_real_gold_matches_the_marts(real_lake_settings, tmp_path):
    settings = real_lake_settings
    result = generate_report(settings, out_dir=tmp_path / "report")
    markdown = result.files["report.md"].read_text()

    assert_report_matches_gold(settings, markdown)
    for name in ("anomalies.png", "trending.png", "coverage.png"):
        assert_valid_png(result.files[name])

    as_of, window = expected_anomalies(settings)
    assert as_of == dt.datetime(2015, 1, 1, 1, tzinfo=dt.UTC) == result.as_of
    # hour 1 against hour 0: gold finds at least one spike, and the report lists it first
    assert window, "expected the real data to hold an anomaly in hour 1"
    top = markdown_table(markdown, "## Top anomalies")[0]
    assert top["entity"] == f"{window[0]['entity_type']} {window[0]['entity']}"
    assert result.counts["anomalies"] == len(window)

    # the coverage numbers tie back to silver: every event of both hours is counted once
    silver = DeltaTable(f"{settings.lake_root}/silver/github_events").count()
    assert (
        result.counts["coverage_events"]
        == silver
        == sum(r["events"] for r in gold_rows(settings, "data_coverage"))
    )
    assert result.counts["coverage_hours"] == 2 and result.counts["gap_hours"] == 0

    trending = markdown_table(markdown, "### Window 24h")
    assert len(trending) == 10
    assert [int(r["rank"]) for r in trending] == list(range(1, 11))
    page = result.files["report.html"].read_text()
    assert trending[0]["repo"] in page
