"""Trending history: every hour is ranked from the hours up to it, the newest hour's ranking is
repo_trending's, and an incremental run rescores only the hours it touched."""

from __future__ import annotations

import datetime as dt

import duckdb
from deltalake import DeltaTable

from ghintel_pipeline.lib.lake import lake_table_uri
from ghintel_pipeline.lib.lake.storage import table_dataset
from tests.gold.conftest import H0, H1, LATE_REPO

WINDOW_HOURS = {"1h": 1, "24h": 24}


def history(stage, hour: dt.datetime, window: str | None = None) -> list[dict]:
    rows = stage.gold["repo_trending_history"].to_pylist()
    return sorted(
        (r for r in rows if r["as_of"] == hour and (window is None or r["window"] == window)),
        key=lambda r: (r["window"], r["rank"]),
    )


def silver_stargazers(stage, as_of: dt.datetime, hours: int) -> dict[int, int]:
    """Distinct non-bot stargazers per repo in the hours ending at as_of, read from silver itself at
    the version the stage's gold was built from (later stages of the package add events)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    table = DeltaTable(lake_table_uri(stage.settings, "silver", "github_events"))
    table.load_as_version(stage.summary["silver_version"])
    dataset = table_dataset(table)
    silver = dataset.to_table(columns=["repo_id", "actor_id", "event_type", "is_bot", "event_hour"])
    con.register("silver", silver)
    rows = con.execute(
        """SELECT repo_id, count(DISTINCT actor_id) FROM silver
           WHERE event_type = 'WatchEvent' AND NOT coalesce(is_bot, false)
             AND event_hour > ? AND event_hour <= ? GROUP BY repo_id""",
        [as_of - dt.timedelta(hours=hours), as_of],
    ).fetchall()
    return dict(rows)


def test_each_hour_is_ranked_from_the_hours_up_to_it(built):
    assert {r["as_of"] for r in built.gold["repo_trending_history"].to_pylist()} == {H0, H1}
    for hour in (H0, H1):
        for window, hours in WINDOW_HOURS.items():
            ranked = history(built, hour, window)
            assert ranked, (hour, window)
            expected = silver_stargazers(built, hour, hours)
            assert [r["stargazers"] for r in ranked] == [expected.get(r["repo_id"], 0) for r in ranked]
            assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    # hour 0's 24h window cannot see hour 1: it holds only hour 0's stargazers
    assert history(built, H0, "24h") != history(built, H1, "24h")


def test_newest_hour_is_the_current_ranking(built):
    con = duckdb.connect()
    con.register("current", built.gold["repo_trending"])
    con.register("hist", built.gold["repo_trending_history"])
    newest = "SELECT * EXCLUDE (event_date) FROM hist WHERE as_of = (SELECT max(as_of) FROM hist)"
    (count,) = con.execute(f"SELECT count(*) FROM ({newest})").fetchone()
    assert count == built.gold["repo_trending"].num_rows > 0
    assert con.execute(f"{newest} EXCEPT ALL SELECT * FROM current").fetchall() == []
    assert con.execute(f"SELECT * FROM current EXCEPT ALL {newest}").fetchall() == []


def test_late_event_rescores_only_its_hour(built, late):
    exported = late.summary["exported"]["repo_trending_history"]
    assert exported["mode"] == "replace_hours" and exported["hours"] == [H0.strftime("%Y-%m-%dT%H:00:00Z")]
    assert history(late, H1) == history(built, H1)  # not touched: kept as scored
    for window, hours in WINDOW_HOURS.items():
        expected = silver_stargazers(late, H0, hours)
        ranked = history(late, H0, window)
        assert [r["stargazers"] for r in ranked] == [expected.get(r["repo_id"], 0) for r in ranked]

    def late_repo(stage, window):
        (row,) = [r for r in history(stage, H0, window) if r["repo_id"] == LATE_REPO["id"]]
        return row["stargazers"]

    for window in WINDOW_HOURS:
        assert late_repo(late, window) == late_repo(built, window) + 1, window
