"""Gold numbers equal an independent DuckDB query over the raw GH Archive files."""

from __future__ import annotations

import duckdb
import pytest

from tests.gold import synthetic as syn

RAW_COLUMNS = (
    "{'id': 'VARCHAR', 'type': 'VARCHAR', 'actor': 'STRUCT(id BIGINT, login VARCHAR)', "
    "'repo': 'STRUCT(id BIGINT, name VARCHAR)', 'org': 'STRUCT(id BIGINT, login VARCHAR)', "
    "'created_at': 'TIMESTAMPTZ', 'payload': 'JSON'}"
)


@pytest.fixture(scope="module")
def con(built):
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    files = ", ".join(f"'{path}'" for path in built.raw_files)
    con.execute(
        f"create table raw as select * from read_json([{files}], format = 'newline_delimited', "
        f"columns = {RAW_COLUMNS})"
    )
    for name, table in built.gold.items():
        con.register(name, table)
    yield con
    con.close()


def same(con, expected_sql: str, actual_sql: str) -> None:
    """Both queries return the same multiset of rows (and at least one row)."""
    expected = con.execute(expected_sql).fetchall()
    missing = con.execute(f"({expected_sql}) except all ({actual_sql})").fetchall()
    extra = con.execute(f"({actual_sql}) except all ({expected_sql})").fetchall()
    assert expected, "the reference query returned nothing"
    assert missing == [] and extra == [], f"missing {missing[:5]} extra {extra[:5]}"


def test_raw_files_hold_both_hours(con):
    hours = con.execute("select distinct date_trunc('hour', created_at) from raw order by 1").fetchall()
    assert len(hours) == 2
    assert (
        con.execute("select count(*) from raw").fetchone()[0]
        == 7702 + 7427 + syn.STAR_BURST_SIZE + syn.PUSH_BURST_SIZE + syn.CO_STARS
    )


def test_events_stars_pushes_and_commits_per_repo_hour(con):
    same(
        con,
        """select repo.id, date_trunc('hour', created_at), count(*),
                  count(*) filter (where type = 'WatchEvent'),
                  count(*) filter (where type = 'PushEvent'),
                  sum(cast(payload ->> 'size' as bigint)) filter (where type = 'PushEvent'),
                  count(distinct actor.id)
           from raw group by all""",
        """select repo_id, event_hour, events, stars, pushes, commits, distinct_actors
           from fct_repo_activity_hourly""",
    )


def test_events_per_actor_day(con):
    same(
        con,
        "select actor.id, cast(created_at as date), count(*), count(distinct repo.id) from raw group by all",
        "select actor_id, event_date, events, repos from fct_actor_activity_daily",
    )


def test_activity_per_actor_hour(con):
    same(
        con,
        """select actor.id, date_trunc('hour', created_at), count(*),
                  count(*) filter (where type = 'PushEvent'),
                  sum(cast(payload ->> 'size' as bigint)) filter (where type = 'PushEvent'),
                  count(*) filter (where type = 'PullRequestEvent' and (payload ->> 'action') = 'opened'),
                  count(distinct repo.id)
           from raw group by all""",
        """select actor_id, event_hour, events, pushes, commits, prs_opened, repos
           from fct_actor_activity_hourly""",
    )


def test_activity_per_org_actor_hour(con):
    same(
        con,
        """select org.id, actor.id, date_trunc('hour', created_at), count(*), count(distinct repo.id)
           from raw where org.id is not null group by all""",
        "select org_id, actor_id, event_hour, events, repos from fct_org_actor_activity_hourly",
    )


def test_actor_days_are_the_sum_of_their_hours(con):
    same(
        con,
        """select actor_id, event_date, sum(events), sum(pushes), sum(commits), sum(prs_opened),
                  sum(prs_merged), sum(reviews), sum(comments), sum(issues_opened), sum(stars), sum(forks)
           from fct_actor_activity_hourly group by all""",
        """select actor_id, event_date, events, pushes, commits, prs_opened, prs_merged, reviews,
                  comments, issues_opened, stars, forks
           from fct_actor_activity_daily""",
    )


def test_events_per_org_day(con):
    same(
        con,
        """select org.id, cast(created_at as date), count(*), count(distinct repo.id),
                  count(distinct actor.id), count(*) filter (where type = 'WatchEvent')
           from raw where org.id is not null group by all""",
        "select org_id, event_date, events, repos, actors, stars from fct_org_activity_daily",
    )


def test_distinct_repos_actors_and_orgs(con):
    expected = con.execute(
        "select count(distinct repo.id), count(distinct actor.id), count(distinct org.id) from raw"
    ).fetchone()
    actual = con.execute(
        "select (select count(*) from dim_repos), (select count(*) from dim_actors), "
        "(select count(*) from dim_orgs)"
    ).fetchone()
    assert actual == expected
    assert expected[0] > 7000 and expected[1] > 6000


def test_dim_totals_match_the_raw_lifetime_counts(con):
    same(
        con,
        """select repo.id, count(*), count(*) filter (where type = 'WatchEvent'), count(distinct actor.id),
                  min(created_at), max(created_at)
           from raw group by all""",
        "select repo_id, events, stars, actors, first_seen, last_seen from dim_repos",
    )


def test_coverage_counts_every_event_type(con):
    same(
        con,
        "select date_trunc('hour', created_at), 'gharchive', count(*), "
        "count(*) filter (where type = 'WatchEvent') from raw group by all",
        "select event_hour, source, events, watch_events from data_coverage",
    )
