"""The explorer's pages over the real session lake, as HTML (no JavaScript): the numbers are in the
served tables, keys and rate limits apply, bad input gets a clear page, never a 500."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from starlette.routing import Match

from ghintel_agents.monitor import investigation_row, write_investigations
from ghintel_agents.tools import anomaly_id
from ghintel_api.ui.router import serves
from tests.api.conftest import api_client, api_settings
from tests.api.test_security import HOSTILE

FINDING = "3 of the 5 new stargazers were created this week"
PAGES = ["/ui", "/ui?window=1h", "/ui/anomalies", "/ui/search?q=moz", "/ui/ask", "/ui/org/mozilla"]


def fields(html: str, field: str) -> list[str]:
    """The texts of every element carrying data-field=<field>, in page order."""
    return re.findall(rf'data-field="{field}">([^<]*)<', html)


def part(html: str, marker: str, end: str = "</table>") -> str:
    """The page from ``marker`` up to the next ``end``: one table or list of the page."""
    return html.split(marker, 1)[1].split(end, 1)[0]


def as_number(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.fixture(scope="module")
def busiest_repo(client) -> str:
    return client.get("/trending-repos", params={"window": "24h", "limit": 1}).json()["data"][0]["repo_name"]


def test_pages_render_server_side_with_data_time(client, busiest_repo):
    for path in [*PAGES, f"/ui/repo/{busiest_repo}"]:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["content-type"].startswith("text/html")
        assert re.fullmatch(r"data;dur=\d+\.\d", response.headers["server-timing"]), path
        assert '<a class="skip" href="#main">' in response.text
        # no CDN: every script and stylesheet is served by this API
        for src in re.findall(r'(?:src|href)="(https?:[^"]*)"', response.text):
            pytest.fail(f"{path} loads {src} from elsewhere")


def test_overview_table_is_the_trending_answer(client):
    api = client.get("/trending-repos", params={"window": "24h", "limit": 10}).json()
    page = client.get("/ui", params={"window": "24h"}).text
    html = part(page, 'id="trending-table"')
    assert api["data"], "the session lake ranks repositories"
    assert fields(html, "rank") == [str(r["rank"]) for r in api["data"]]
    assert [as_number(s) for s in fields(html, "stars")] == [r["stars"] for r in api["data"]]
    assert fields(html, "score") == [f"{r['score']:,.2f}" for r in api["data"]]
    health = client.get("/health").json()
    assert as_number(fields(page, "silver_rows")[0]) == health["tables"]["silver.github_events"]["rows"]
    # the chart has a text alternative, and the same numbers are in a table
    assert '<svg class="chart"' in page and "<title id=" in page and "<desc id=" in page


def test_repo_page_totals_and_series_are_the_activity_answer(client, busiest_repo):
    owner, name = busiest_repo.split("/")
    api = client.get(f"/repo/{owner}/{name}/activity", params={"window": "24h"}).json()
    html = client.get(f"/ui/repo/{owner}/{name}", params={"window": "24h"}).text
    totals = part(html, 'id="totals"', "</dl>")
    assert as_number(fields(totals, "events")[0]) == api["totals"]["events"]
    assert as_number(fields(totals, "stars")[0]) == api["totals"]["stars"]
    table = part(html, 'id="activity-table"')
    assert [as_number(v) for v in fields(table, "events")] == [p["events"] for p in api["series"]]
    overview = client.get(f"/repos/{owner}/{name}").json()
    lifetime = part(html, 'id="lifetime"', "</dl>")
    assert as_number(fields(lifetime, "events")[0]) == overview["events"]


def test_repo_page_history_is_the_history_answer(client, busiest_repo):
    for window in ("1h", "24h"):
        api = client.get(f"/repos/{busiest_repo}/trending/history", params={"window": window}).json()
        assert api["data"], window
        html = client.get(f"/ui/repo/{busiest_repo}", params={"window": window}).text
        table = part(html, 'id="history-table"')
        ranks = [str(p["rank"]) if p["ranked"] else "not ranked" for p in api["data"]]
        assert fields(table, "rank") == ranks
        assert fields(table, "score") == [f"{p['score']:,.2f}" for p in api["data"] if p["ranked"]]
        assert fields(table, "stargazers") == [f"{p['stargazers']:,}" for p in api["data"] if p["ranked"]]
        assert fields(part(html, 'id="trending-history"', "</p>"), "ranked_hours") == [
            str(api["ranked_hours"])
        ]
        assert '<title id="hist-chart-t">' in html  # the chart, with the table as its text alternative


def test_actor_page_series_is_the_activity_answer(client):
    login = client.get("/actors/top", params={"window": "24h", "limit": 1}).json()["data"][0]["login"]
    for window in ("24h", "7d", "30d"):
        api = client.get(f"/actor/{login}/activity", params={"window": window}).json()
        html = client.get(f"/ui/actor/{login}", params={"window": window}).text
        totals = part(html, 'id="totals"', "</dl>")
        for field in ("events", "pushes", "prs_opened", "comments", "stars"):
            assert as_number(fields(totals, field)[0]) == api["totals"][field], field
        table = part(html, 'id="activity-table"')
        assert [as_number(v) for v in fields(table, "events")] == [p["events"] for p in api["series"]]
        assert [as_number(v) for v in fields(table, "pushes")] == [p["pushes"] for p in api["series"]]
        assert len(api["series"]) == {"24h": 24, "7d": 8, "30d": 31}[window]
        assert f"Activity ({window}, per {api['granularity']})" in html
        assert '<title id="actor-chart-t">' in html


def test_org_and_actor_pages_are_their_answers(client):
    summary = client.get("/org/mozilla/summary", params={"window": "24h"}).json()
    html = client.get("/ui/org/mozilla", params={"window": "24h"}).text
    totals = part(html, 'id="totals"', "</dl>")
    for field in ("events", "repos", "actors", "pushes"):
        assert as_number(fields(totals, field)[0]) == summary[field], field
    login = summary["top_actors"][0]["login"]
    actor = client.get(f"/actor/{login}").json()
    page = client.get(f"/ui/actor/{login}").text
    assert as_number(fields(part(page, 'id="profile"', "</dl>"), "events")[0]) == actor["events"]
    assert f"/ui/repo/{summary['top_repos'][0]['repo_name']}" in html  # entities link to each other


def test_search_finds_repos_orgs_and_actors(client):
    body = client.get("/entities", params={"q": "MOZILLA"}).json()
    kinds = {m["kind"] for m in body["data"]}
    assert {"repo", "org"} <= kinds
    org = next(m for m in body["data"] if m["kind"] == "org")
    assert org["name"] == "mozilla"  # exact match ranked first among orgs
    html = client.get("/ui/search", params={"q": "mozilla"}).text
    assert 'href="/ui/org/mozilla"' in html
    assert client.get("/entities", params={"q": "_"}).json()["data"] != body["data"]
    assert client.get("/entities", params={"q": "%"}).status_code == 422


def test_unknown_entities_and_hostile_input_get_pages_not_500s(client):
    assert client.get("/ui/repo/nobody-here/nothing").status_code == 404
    missing = client.get("/ui/actor/nobody-here-at-all")
    assert missing.status_code == 404 and "unknown actor" in missing.text
    assert client.get("/actor/nobody-here-at-all").status_code == 404
    for value in HOSTILE:
        for path in (f"/ui/repo/{quote(value, safe='')}/x", f"/ui/actor/{quote(value, safe='')}"):
            # ".." is resolved by the client (/ui/actor/.. is /ui); Starlette may redirect a slash
            expected = (200, 307, 404, 422) if value == ".." else (307, 404, 422)
            assert client.get(path, follow_redirects=False).status_code in expected, (path, value)
        for params in ({"q": value}, {"window": value}):
            page = "/ui/search" if "q" in params else "/ui"
            assert client.get(page, params=params).status_code in (200, 422), (params, value)
        assert client.get("/ui/anomalies", params={"severity": value}).status_code == 422


def test_ask_page_degrades_when_ask_is_absent(lake_home):
    with api_client(lake_home) as c:
        assert 'data-available="yes"' in c.get("/ui/ask").text
        # the same app without the /ask route (a deployment without the agents): the page says so
        scope = {"type": "http", "method": "POST", "path": "/ask", "root_path": "", "query_string": b""}
        c.app.router.routes[:] = [r for r in c.app.router.routes if r.matches(scope)[0] is not Match.FULL]
        assert not serves(c.app, "POST", "/ask")
        html = c.get("/ui/ask").text
        assert 'data-available="no"' in html and "(POST /ask) is not available" in html


def test_live_script_only_when_streams_exist(client):
    html = client.get("/ui").text
    has_streams = serves(client.app, "GET", "/stream/events")
    assert ("live.js" in html) is has_streams


def test_keys_apply_to_pages_via_a_checked_cookie(lake_home):
    with api_client(lake_home, ghintel_api_keys="k-one,k-two") as c:
        bounce = c.get("/ui/anomalies", follow_redirects=False)
        assert bounce.status_code == 303 and bounce.headers["location"] == "/ui/key?next=/ui/anomalies"
        assert c.get("/ui/static/ui.css").status_code == 200  # static files are open like /docs
        refused = c.post("/ui/key", data={"key": "wrong", "next": "/ui/anomalies"}, follow_redirects=False)
        assert refused.status_code == 401 and "not valid" in refused.text
        assert "ghintel_api_key" not in refused.headers.get("set-cookie", "")
        accepted = c.post("/ui/key", data={"key": "k-two", "next": "/ui/anomalies"}, follow_redirects=False)
        assert accepted.status_code == 303 and accepted.headers["location"] == "/ui/anomalies"
        cookie = accepted.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert c.get("/ui/anomalies").status_code == 200
        assert c.get("/trending-repos").status_code == 200  # the cookie counts like the header
        c.cookies.clear()
        assert c.get("/trending-repos").status_code == 401
        # an open redirect is not possible through next
        away = c.post("/ui/key", data={"key": "k-one", "next": "//evil.example/x"}, follow_redirects=False)
        assert away.headers["location"] == "/ui"


def test_rate_limit_applies_to_pages(lake_home):
    with api_client(lake_home, ghintel_api_rate_limit="3/minute") as c:
        codes = [c.get("/ui").status_code for _ in range(4)]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429


def test_anomaly_page_shows_the_investigation_when_the_table_exists(lake_copy):
    with api_client(lake_copy) as c:
        rows = c.get("/anomalies", params={"limit": 1}).json()["data"]
        assert rows, "the session lake has at least one anomaly"
        a = rows[0]
        hour = a["event_hour"].replace(":00:00Z", ":00Z")
        page = f"/ui/anomaly/{a['entity_type']}/{a['metric']}/{hour}/{a['entity']}"
        first = c.get(page)
        assert first.status_code == 200 and "No investigation yet" in first.text
        assert fields(first.text, "observed")[0] == f"{a['observed']:,.2f}"
        assert fields(first.text, "baseline")[0] == f"{a['baseline']:,.2f}"
        # written by the monitor's own writer, as its Dagster asset does
        write_investigations(api_settings(lake_copy), [investigation_row(_investigation(a), 3)])
        second = c.get(page).text
        assert "No investigation yet" not in second
        assert FINDING in second and 'href="#cite-c1"' in second and "verified" in second
        evidence = part(second, 'id="cite-c1"')
        assert f"<td>{a['observed']}</td>" in evidence and "Delta version 3" in evidence


def _investigation(a: dict) -> dict:
    """An investigator's report about anomaly ``a``, in the shape the agents' monitor stores."""
    citation = {"id": "c1", "table": "gold.anomalies", "key": {"entity": a["entity"]}, "delta_version": 3}
    citation["values"] = {"observed": a["observed"], "baseline": a["baseline"]}
    return {
        "agent": "anomaly-investigator",
        "target": {"anomaly": anomaly_id(a)},
        "findings": [{"text": FINDING, "citations": ["c1"], "verified": True}],
        "rejected": [],
        "citations": [citation],
        "verified": True,
        "model": "scripted",
    }
