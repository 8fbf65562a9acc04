"""Gold marts for report tests: small Delta tables written with the documented mart columns, and a lake
built by the real pipeline (GH Archive backfill -> silver -> dbt gold) from shared hours."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from ghintel_pipeline.lib.settings import Settings

UTC = dt.UTC
TS = pa.timestamp("us", tz="UTC")
AS_OF = dt.datetime(2015, 1, 3, 12, tzinfo=UTC)


def hour(offset: int) -> dt.datetime:
    """AS_OF shifted by ``offset`` hours."""
    return AS_OF + dt.timedelta(hours=offset)


ANOMALY_TYPES = {
    "entity_type": pa.string(),
    "entity": pa.string(),
    "metric": pa.string(),
    "event_hour": TS,
    "observed": pa.float64(),
    "baseline": pa.float64(),
    "spread": pa.float64(),
    "score": pa.float64(),
    "method": pa.string(),
    "severity": pa.string(),
    "explanation": pa.string(),
    # gold carries more columns than the report reads
    "entity_id": pa.int64(),
    "event_date": pa.date32(),
}
TRENDING_TYPES = {
    "window": pa.string(),
    "as_of": TS,
    "rank": pa.int64(),
    "repo_id": pa.int64(),
    "repo_name": pa.string(),
    "score": pa.float64(),
    "stars": pa.int64(),
    "forks": pa.int64(),
    "stargazers": pa.int64(),
    "contributors": pa.int64(),
    "star_component": pa.float64(),
    "fork_component": pa.float64(),
    "activity_component": pa.float64(),
    "velocity_per_hour": pa.float64(),
    "prev_window_stars": pa.int64(),
    "velocity_change": pa.float64(),
    "explanation": pa.string(),
}
COVERAGE_TYPES = {
    "event_hour": TS,
    "source": pa.string(),
    "events": pa.int64(),
    "events_by_type": pa.string(),
    "watch_share": pa.float64(),
    "baseline_watch_share": pa.float64(),
    "pr_share": pa.float64(),
    "baseline_pr_share": pa.float64(),
    "is_gap": pa.bool_(),
    "coverage": pa.string(),
    "star_coverage": pa.string(),
    "note": pa.string(),
}
MARTS = {"anomalies": ANOMALY_TYPES, "repo_trending": TRENDING_TYPES, "data_coverage": COVERAGE_TYPES}


def anomaly(
    entity: str,
    metric: str,
    offset: int,
    observed: float,
    baseline: float,
    spread: float,
    severity: str,
    entity_type: str = "repo",
) -> dict:
    score = round((observed - baseline) / spread, 4)
    return {
        "entity_type": entity_type,
        "entity": entity,
        "metric": metric,
        "event_hour": hour(offset),
        "observed": observed,
        "baseline": baseline,
        "spread": spread,
        "score": score,
        "method": "robust_z_median_mad",
        "severity": severity,
        "explanation": f"{int(observed)} {metric} vs median {baseline} | z {score:.1f}",
        "entity_id": abs(hash(entity)) % 10_000,
        "event_date": hour(offset).date(),
    }


def trending(window: str, rank: int, repo: str, stars: int, forks: int, contributors: int) -> dict:
    star_c, fork_c, act_c = float(stars), 2.0 * forks, 0.25 * contributors
    return {
        "window": window,
        "as_of": AS_OF,
        "rank": rank,
        "repo_id": 1000 + rank,
        "repo_name": repo,
        "score": round(star_c + fork_c + act_c, 4),
        "stars": stars,
        "forks": forks,
        "stargazers": stars,
        "contributors": contributors,
        "star_component": star_c,
        "fork_component": fork_c,
        "activity_component": act_c,
        "velocity_per_hour": stars / 24,
        "prev_window_stars": 1,
        "velocity_change": (stars - 1) / 24,
        "explanation": f"{stars} stargazers",
    }


def coverage(
    offset: int, events: int, *, gap: bool = False, star_coverage: str = "ok", level: str = "ok"
) -> dict:
    return {
        "event_hour": hour(offset),
        "source": "gharchive",
        "events": 0 if gap else events,
        "events_by_type": "{}" if gap else f'{{"PushEvent":{events}}}',
        "watch_share": None if gap else 0.1,
        "baseline_watch_share": 0.09,
        "pr_share": None if gap else 0.05,
        "baseline_pr_share": 0.05,
        "is_gap": gap,
        "coverage": "missing" if gap else level,
        "star_coverage": "missing" if gap else star_coverage,
        "note": "gap: no gharchive events in this hour" if gap else None,
    }


def write_gold(lake_root: Path, **marts: list[dict]) -> None:
    """Overwrite the named marts (anomalies=..., repo_trending=..., data_coverage=...)."""
    for name, rows in marts.items():
        types = MARTS[name]
        table = pa.Table.from_pylist(rows, schema=pa.schema(list(types.items())))
        write_deltalake(str(lake_root / "gold" / name), table, mode="overwrite")


SAMPLE_ANOMALIES = [
    anomaly("alice/rocket", "stars", 0, 240, 3, 1.73, "high"),
    anomaly("bob/tool", "pushes", -2, 90, 10, 4.5, "medium"),
    anomaly("acme", "events", -5, 800, 300, 60.5, "low", entity_type="org"),
    anomaly("carol/site", "forks", -1, 40, 2, 1.41, "high"),
    anomaly("old/news", "stars", -30, 500, 1, 1.0, "high"),  # outside the 24 h window
]
SAMPLE_TRENDING = [
    trending(window, rank, f"owner{rank}/repo-{window}", 50 // rank, rank, 10 * rank)
    for window in ("1h", "24h", "7d", "30d")
    for rank in range(1, 4)
] + [dict(trending("24h", 1, "stale/repo", 99, 0, 0), as_of=hour(-1))]
SAMPLE_COVERAGE = [coverage(-h, 10_000 + h) for h in range(40)]
SAMPLE_COVERAGE[3] = coverage(-3, 0, gap=True)
SAMPLE_COVERAGE[5] = coverage(-5, 9000, star_coverage="low")


@pytest.fixture
def sample_settings(tmp_path) -> Settings:
    """A home whose lake holds the sample marts."""
    settings = Settings(ghintel_home=tmp_path / "home")
    write_gold(
        Path(settings.lake_root),
        anomalies=SAMPLE_ANOMALIES,
        repo_trending=SAMPLE_TRENDING,
        data_coverage=SAMPLE_COVERAGE,
    )
    return settings


def markdown_table(markdown: str, heading: str) -> list[dict[str, str]]:
    """Rows of the first table after the heading line ``heading`` (e.g. ``## Top anomalies``)."""
    lines = markdown.splitlines()
    start = lines.index(heading)
    table = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("| "):
            table.append(line)
        elif table:
            break
    if not table:
        return []
    split = [[c.strip().replace("\\|", "|") for c in _cells(line)] for line in table]
    header, body = split[0], split[2:]
    return [dict(zip(header, row, strict=True)) for row in body]


def _cells(line: str) -> list[str]:
    # split on pipes that are not escaped
    cells, current, escaped = [], "", False
    for char in line.strip()[1:-1]:
        if char == "|" and not escaped:
            cells.append(current)
            current = ""
            continue
        escaped = char == "\\" and not escaped
        current += char
    cells.append(current)
    return cells


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_valid_png(path: Path, *, min_bytes: int = 5_000) -> None:
    """A real PNG that decodes to a drawn image (not a blank canvas)."""
    import matplotlib.image
    import numpy as np

    payload = path.read_bytes()
    assert payload.startswith(PNG_SIGNATURE), path
    assert len(payload) >= min_bytes, (path, len(payload))
    pixels = matplotlib.image.imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] >= 150 and pixels.shape[1] >= 600, pixels.shape
    assert float(np.std(pixels[..., :3])) > 0.01, "chart is a blank canvas"


def gold_rows(settings: Settings, model: str) -> list[dict]:
    """A mart read with delta-rs alone, independent of the report's DuckDB queries."""
    from deltalake import DeltaTable

    return DeltaTable(f"{settings.lake_root}/gold/{model}").to_pyarrow_table().to_pylist()


SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}


def expected_anomalies(
    settings: Settings, *, lookback_hours: int = 24
) -> tuple[dt.datetime | None, list[dict]]:
    """The lake's newest hour and the anomalies of the report window, most alarming first."""
    coverage = gold_rows(settings, "data_coverage")
    anomalies = gold_rows(settings, "anomalies")
    hours = [r["event_hour"] for r in coverage if not r["is_gap"]]
    as_of = max(hours) if hours else max((a["event_hour"] for a in anomalies), default=None)
    if as_of is None:
        return None, []
    start = as_of - dt.timedelta(hours=lookback_hours - 1)
    window = [a for a in anomalies if start <= a["event_hour"] <= as_of]
    window.sort(
        key=lambda a: (
            SEVERITY_RANK[a["severity"]],
            -a["score"],
            -a["event_hour"].timestamp(),
            a["entity_type"],
            a["entity"],
            a["metric"],
        )
    )
    return as_of, window


def assert_report_matches_gold(settings: Settings, markdown: str, *, top_n: int = 10) -> None:
    """Every number of report.md that comes from gold equals what delta-rs reads from the marts."""
    as_of, window = expected_anomalies(settings)
    summary = {row["measure"]: row["value"] for row in markdown_table(markdown, "## Summary")}
    assert summary["anomalies (last 24 h)"] == str(len(window))
    for severity in ("high", "medium", "low"):
        assert summary[f"{severity} severity"] == str(sum(a["severity"] == severity for a in window))
    assert summary["anomalies (all hours in gold)"] == str(len(gold_rows(settings, "anomalies")))

    listed = markdown_table(markdown, "## Top anomalies")
    assert len(listed) == min(top_n, len(window))
    for row, gold in zip(listed, window, strict=False):
        assert row["entity"] == f"{gold['entity_type']} {gold['entity']}"
        assert (row["metric"], row["severity"]) == (gold["metric"], gold["severity"])
        assert row["hour"] == gold["event_hour"].strftime("%Y-%m-%d %H:%M UTC")
        for column in ("observed", "baseline", "spread", "score"):
            assert float(row[column]) == pytest.approx(gold[column], abs=0.005), (column, row, gold)
        assert row["explanation"] == gold["explanation"]
    if not window:
        assert "No anomalies" in markdown

    trending = gold_rows(settings, "repo_trending")
    newest = max((r["as_of"] for r in trending), default=None)
    current = [r for r in trending if r["as_of"] == newest and r["rank"] <= top_n]
    assert summary["trending repos listed (all windows)"] == str(len(current))
    for window_name in sorted({r["window"] for r in current}):
        expected = sorted((r for r in current if r["window"] == window_name), key=lambda r: r["rank"])
        rows = markdown_table(markdown, f"### Window {window_name}")
        assert [row["repo"] for row in rows] == [r["repo_name"] for r in expected]
        for row, gold in zip(rows, expected, strict=True):
            assert float(row["score"]) == pytest.approx(gold["score"], abs=0.005)
            assert int(row["stargazers"]) == gold["stargazers"]

    coverage = [
        r
        for r in gold_rows(settings, "data_coverage")
        if as_of is not None and as_of - dt.timedelta(hours=167) <= r["event_hour"] <= as_of
    ]
    assert summary["hours with data coverage rows (last 168 h)"] == str(
        len({r["event_hour"] for r in coverage})
    )
    assert summary["events in those hours"] == str(sum(r["events"] for r in coverage))
    assert summary["gap hours (per source)"] == str(sum(r["is_gap"] for r in coverage))
    assert summary["low star coverage hours (per source)"] == str(
        sum(r["star_coverage"] == "low" for r in coverage)
    )


@pytest.fixture(scope="session")
def real_lake_settings(real_gold_home) -> Settings:
    """The session's real lake (tests/conftest.py): hours 0 and 1 through backfill and gold."""
    return Settings(ghintel_home=real_gold_home, ghintel_lake_root=None)
