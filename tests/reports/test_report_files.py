"""Reports over small gold marts: files, charts, numbers, empty and missing marts, publishing."""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

from typer.testing import CliRunner

from ghintel_pipeline.cli.main import app
from ghintel_pipeline.lib.reports import ReportOptions, generate_report, load_report_data
from ghintel_pipeline.lib.settings import Settings
from tests.reports.conftest import (
    AS_OF,
    SAMPLE_ANOMALIES,
    assert_report_matches_gold,
    assert_valid_png,
    markdown_table,
    write_gold,
)

CHARTS = ("anomalies.png", "trending.png", "coverage.png")
NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def test_report_renders_files_and_numbers_match_gold(sample_settings):
    result = generate_report(sample_settings, now=NOW)

    assert result.directory == sample_settings.home / "reports" / "20260102T030405Z"
    assert sorted(p.name for p in result.directory.iterdir()) == sorted(["report.md", "report.html", *CHARTS])
    for name in CHARTS:
        assert_valid_png(result.directory / name)
    markdown = (result.directory / "report.md").read_text()
    assert_report_matches_gold(sample_settings, markdown)
    # the sample has an anomaly 30 h back: in gold, outside the 24 h window
    assert result.counts["anomalies"] == 4 and result.counts["anomalies_all_hours"] == len(SAMPLE_ANOMALIES)
    assert "old/news" not in markdown
    assert result.as_of == AS_OF
    # the stale as_of row of repo_trending is not the current ranking
    assert "stale/repo" not in markdown
    # the gap and the low-star hour are listed, newest first
    flagged = markdown_table(markdown, "## Data coverage")
    assert [(r["hour"], r["coverage"], r["star coverage"]) for r in flagged] == [
        ("2015-01-03 09:00 UTC", "missing", "missing"),
        ("2015-01-03 07:00 UTC", "ok", "low"),
    ]
    for name in CHARTS:
        assert f"]({name})" in markdown

    page = (result.directory / "report.html").read_text()
    assert page.startswith("<!doctype html>")
    for name in CHARTS:
        assert f'<img src="{name}"' in page
    for row in markdown_table(markdown, "## Top anomalies"):
        assert f"<td>{html.escape(row['explanation'])}</td>" in page
    assert "<td>old/news" not in page


def test_top_n_and_window_follow_options(sample_settings):
    data = load_report_data(sample_settings, ReportOptions(top_n=2, lookback_hours=48, coverage_hours=10))
    assert [a["entity"] for a in data.anomalies] == ["old/news", "alice/rocket"]
    assert data.anomalies_in_window == 5
    assert all(len(rows) == 2 for rows in data.trending.values())
    assert data.counts()["coverage_hours"] == 10
    assert data.coverage[0]["event_hour"] == AS_OF - dt.timedelta(hours=9)


def test_empty_marts_say_no_anomalies(tmp_path):
    settings = Settings(ghintel_home=tmp_path / "home")
    write_gold(Path(settings.lake_root), anomalies=[], repo_trending=[], data_coverage=[])
    result = generate_report(settings, out_dir=tmp_path / "out")

    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "No anomalies: the lake has no data yet." in markdown
    assert "No trending repositories." in markdown
    assert "not built yet" not in markdown
    assert markdown_table(markdown, "## Top anomalies") == []
    assert set(result.counts.values()) == {0}
    for name in CHARTS:
        assert_valid_png(tmp_path / "out" / name, min_bytes=2_000)
    assert result.latest is None and not (tmp_path / "home" / "reports").exists()


def test_quiet_window_says_no_anomalies(tmp_path):
    """Data in the lake but every anomaly older than the window."""
    from tests.reports.conftest import SAMPLE_COVERAGE, SAMPLE_TRENDING, anomaly

    settings = Settings(ghintel_home=tmp_path / "home")
    old = [anomaly("old/news", "stars", -30, 500, 1, 1.0, "high")]
    write_gold(
        Path(settings.lake_root), anomalies=old, repo_trending=SAMPLE_TRENDING, data_coverage=SAMPLE_COVERAGE
    )
    result = generate_report(settings, now=NOW)
    markdown = result.files["report.md"].read_text()
    assert "No anomalies between 2015-01-02 13:00 UTC and 2015-01-03 12:00 UTC." in markdown
    assert result.counts["anomalies"] == 0 and result.counts["anomalies_all_hours"] == 1
    assert_report_matches_gold(settings, markdown)
    assert_valid_png(result.files["anomalies.png"], min_bytes=2_000)


def test_missing_marts_are_reported(tmp_path):
    settings = Settings(ghintel_home=tmp_path / "home")
    result = generate_report(settings, now=NOW)
    assert result.missing_marts == ["anomalies", "repo_trending", "data_coverage"]
    markdown = result.files["report.md"].read_text()
    assert "gold `anomalies` is not built yet" in markdown
    for name in CHARTS:
        assert_valid_png(result.files[name], min_bytes=2_000)


def test_latest_points_at_newest_and_old_reports_are_pruned(tmp_path):
    # an empty lake: publishing does not depend on the content and its charts draw fastest
    settings = Settings(ghintel_home=tmp_path / "home", ghintel_report_keep=2)
    first = generate_report(settings, now=NOW)
    second = generate_report(settings, now=NOW)  # same second: a suffixed folder, not an overwrite
    third = generate_report(settings, now=NOW + dt.timedelta(hours=1))

    root = settings.home / "reports"
    assert second.directory.name == "20260102T030405Z-1"
    assert sorted(p.name for p in root.iterdir()) == ["20260102T030405Z-1", "20260102T040405Z", "latest"]
    assert not first.directory.exists()
    latest = root / "latest"
    assert latest.is_symlink() and latest.resolve() == third.directory.resolve()
    assert (latest / "report.md").read_text() == third.files["report.md"].read_text()
    assert not list(root.glob(".*"))  # no staging leftovers


def test_cli_report_json_and_out(sample_settings, tmp_path, monkeypatch):
    monkeypatch.setenv("GHINTEL_HOME", str(sample_settings.home))
    runner = CliRunner()

    out = runner.invoke(app, ["report", "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)
    assert summary["counts"]["anomalies"] == 4
    assert Path(summary["latest"]).resolve() == Path(summary["directory"]).resolve()

    target = tmp_path / "cli-out"
    out = runner.invoke(app, ["report", "--out", str(target)])
    assert out.exit_code == 0, out.output
    assert str(target / "report.html") in out.stdout
    assert_report_matches_gold(sample_settings, (target / "report.md").read_text())


def test_coverage_chart_spans_whole_hours():
    import datetime as dt

    from ghintel_pipeline.lib.reports.charts import hour_span

    hour = dt.datetime(2015, 1, 1, 15, tzinfo=dt.UTC)
    assert hour_span([hour]) == (hour, hour + dt.timedelta(hours=1)), "a one-hour lake shows its hour"
    later = hour + dt.timedelta(hours=5)
    assert hour_span([later, hour]) == (hour, later + dt.timedelta(hours=1))
