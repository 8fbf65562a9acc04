"""``/events`` keyset pages over the real silver table: every id exactly once, in order."""

from __future__ import annotations

from datetime import timedelta

from deltalake import DeltaTable


def _walk(client, **params) -> list[tuple[str, str]]:
    seen, cursor = [], None
    while True:
        page = client.get("/events", params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["data"]) <= params["limit"]
        seen += [(e["created_at"], e["event_id"]) for e in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def _silver_ids(lake_home, since: str | None = None, until: str | None = None) -> list[str]:
    table = DeltaTable(str(lake_home / "lakehouse" / "silver" / "github_events"))
    rows = table.to_pyarrow_table(columns=["event_id", "created_at"]).to_pylist()
    stamps = [(r["created_at"].strftime("%Y-%m-%dT%H:%M:%SZ"), r["event_id"]) for r in rows]
    return [i for t, i in stamps if (since is None or t >= since) and (until is None or t < until)]


def test_walking_all_pages_returns_every_silver_event_once(client, lake_home):
    silver = _silver_ids(lake_home)
    assert len(silver) > 10_000  # two real hours, several files: the walk crosses file boundaries
    seen = _walk(client, limit=500)
    assert len(seen) == len(set(seen))
    assert sorted(i for _, i in seen) == sorted(silver)
    assert seen == sorted(seen, reverse=True)


def test_pages_of_a_time_range_and_type(client, lake_home):
    since, until = "2015-01-01T00:50:00Z", "2015-01-01T01:10:00Z"
    seen = _walk(client, limit=97, since=since, until=until)
    assert sorted(i for _, i in seen) == sorted(_silver_ids(lake_home, since, until))
    assert seen == sorted(seen, reverse=True)
    pushes = _walk(client, limit=211, type="PushEvent", since=since, until=until)
    assert pushes and {i for _, i in pushes} < {i for _, i in seen}


def test_repo_pages_skip_files_by_gold_hours_and_still_return_every_event(client, lake_home, monkeypatch):
    import ghintel_api.queries.events as events_query

    # In the test lake gold is committed minutes after silver, inside the slack: drop the slack so
    # the gold-hour pruning decides which files are read.
    monkeypatch.setattr(events_query, "_INDEX_SLACK", timedelta(0))
    rows = DeltaTable(str(lake_home / "lakehouse" / "silver" / "github_events")).to_pyarrow_table(
        columns=["event_id", "repo_name", "event_hour"]
    )
    by_repo: dict[str, list[str]] = {}
    hours: dict[str, set] = {}
    for r in rows.to_pylist():
        by_repo.setdefault(r["repo_name"], []).append(r["event_id"])
        hours.setdefault(r["repo_name"], set()).add(r["event_hour"])
    # a busy repository and one seen in a single hour only (the other hour's files are skipped)
    busy = max(by_repo, key=lambda k: (len(by_repo[k]), k))
    single = max((k for k in by_repo if len(hours[k]) == 1), key=lambda k: (len(by_repo[k]), k))
    for repo in (busy, single):
        seen = _walk(client, limit=7, repo=repo)
        assert sorted(i for _, i in seen) == sorted(by_repo[repo])
