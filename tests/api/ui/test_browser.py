"""The explorer in headless Chromium over a real uvicorn server on the session lake: every page's
numbers equal the JSON API's answers, keyboard navigation works, no console errors; screenshots are
saved under the test's tmp dir (printed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from ghintel_api.main import create_app
from tests.api.conftest import api_settings
from tests.api.ui.conftest import console_errors, serve
from tests.e2e.browser import wait_for_text

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base_url(lake_home) -> Iterator[str]:
    with serve(create_app(api_settings(lake_home))) as url:
        yield url


@pytest.fixture(scope="module")
def api(base_url) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


def visit(browser, base_url: str, path: str, shots: Path, name: str, needles: list[str]) -> str:
    browser.get(base_url + path)
    text = wait_for_text(browser, needles, 20)
    browser.save_screenshot(str(shots / f"{name}.png"))
    errors = console_errors(browser)
    assert not errors, f"console errors on {path}: {errors}"
    for needle in needles:
        assert needle in text, f"{needle!r} not on {path}"
    assert (shots / f"{name}.png").stat().st_size > 10_000  # a real picture, not a blank page
    return text


def cells(root, css: str) -> list[str]:
    return [e.get_attribute("textContent").strip() for e in root.find_elements(By.CSS_SELECTOR, css)]


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_overview_shows_the_trending_answer(browser, base_url, api, shots):
    trending = api.get("/trending-repos", params={"window": "7d", "limit": 10}).json()
    visit(browser, base_url, "/ui?window=7d", shots, "overview", ["Trending repositories (7d)", "Freshness"])
    assert cells(browser, "#trending-table td[data-field=rank]") == [str(r["rank"]) for r in trending["data"]]
    names = cells(browser, "#trending-table tbody tr td:nth-child(2)")
    assert names == [r["repo_name"] for r in trending["data"]]
    scores = cells(browser, "#trending-table td[data-field=score]")
    assert scores == [f"{r['score']:,.2f}" for r in trending["data"]]
    health = api.get("/health").json()
    assert (
        number(cells(browser, "[data-field=silver_rows]")[0])
        == health["tables"]["silver.github_events"]["rows"]
    )
    chart = browser.find_element(By.CSS_SELECTOR, "#trending svg.chart")
    assert chart.get_attribute("role") == "img" and "Trending score by component" in chart.text + (
        chart.find_element(By.TAG_NAME, "title").get_attribute("textContent")
    )


def test_keyboard_reaches_content_and_search(browser, base_url, api, shots):
    browser.get(base_url + "/ui")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to content"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "main"
    box = browser.find_element(By.ID, "q")
    box.send_keys("mozilla", Keys.ENTER)
    found = api.get("/entities", params={"q": "mozilla"}).json()["data"]
    wait_for_text(browser, ["Organisations", "Repositories"], 20)
    assert browser.current_url == base_url + "/ui/search?q=mozilla"
    browser.save_screenshot(str(shots / "search.png"))
    links = cells(browser, "ul.matches a")
    assert links == [m["name"] for m in found]


def test_repo_page_shows_the_activity_answer(browser, base_url, api, shots):
    repo = api.get("/trending-repos", params={"window": "24h", "limit": 1}).json()["data"][0]["repo_name"]
    activity = api.get(f"/repo/{repo}/activity", params={"window": "24h"}).json()
    overview = api.get(f"/repos/{repo}").json()
    visit(browser, base_url, f"/ui/repo/{repo}", shots, "repo", [repo, "Activity (24h, per hour)"])
    assert number(cells(browser, "#totals [data-field=events]")[0]) == activity["totals"]["events"]
    assert number(cells(browser, "#totals [data-field=stars]")[0]) == activity["totals"]["stars"]
    assert number(cells(browser, "#lifetime [data-field=events]")[0]) == overview["events"]
    series = [number(v) for v in cells(browser, "#activity-table td[data-field=events]")]
    assert series == [p["events"] for p in activity["series"]]


def test_repo_page_shows_the_trending_history(browser, base_url, api, shots):
    repo = api.get("/trending-repos", params={"window": "1h", "limit": 1}).json()["data"][0]["repo_name"]
    history = api.get(f"/repos/{repo}/trending/history", params={"window": "1h"}).json()
    assert len(history["data"]) == 2  # the session lake's hours 0 and 1, each ranked as of itself
    visit(
        browser,
        base_url,
        f"/ui/repo/{repo}?window=1h",
        shots,
        "repo-history",
        ["Trending history (1h window"],
    )
    ranks = [str(p["rank"]) if p["ranked"] else "not ranked" for p in history["data"]]
    assert cells(browser, "#history-table [data-field=rank]") == ranks
    scores = [number(v) for v in cells(browser, "#history-table td[data-field=score]")]
    assert scores == [round(p["score"], 2) for p in history["data"] if p["ranked"]]
    hours = cells(browser, "#history-table tbody th")
    assert hours == [p["as_of"][:16].replace("T", " ") for p in history["data"]]
    chart = browser.find_element(By.CSS_SELECTOR, "#trending-history svg.chart")
    assert chart.get_attribute("role") == "img"
    assert len(chart.find_element(By.TAG_NAME, "polyline").get_attribute("points").split()) == len(ranks)


def test_actor_page_shows_the_activity_series(browser, base_url, api, shots):
    login = api.get("/actors/top", params={"window": "24h", "limit": 1}).json()["data"][0]["login"]
    activity = api.get(f"/actor/{login}/activity", params={"window": "7d"}).json()
    visit(
        browser,
        base_url,
        f"/ui/actor/{login}?window=7d",
        shots,
        "actor-activity",
        [login, "Activity (7d, per day)"],
    )
    for field in ("events", "pushes", "comments"):
        assert number(cells(browser, f"#totals [data-field={field}]")[0]) == activity["totals"][field]
    for field in ("events", "pushes", "stars"):
        shown = [number(v) for v in cells(browser, f"#activity-table td[data-field={field}]")]
        assert shown == [p[field] for p in activity["series"]], field
    assert cells(browser, "#activity-table tbody th") == [
        p["ts"][:16].replace("T", " ") for p in activity["series"]
    ]
    chart = browser.find_element(By.CSS_SELECTOR, "#activity svg.chart")
    assert len(chart.find_elements(By.TAG_NAME, "polyline")) == 8  # one line per category


def test_org_and_actor_pages_show_their_answers(browser, base_url, api, shots):
    summary = api.get("/org/mozilla/summary", params={"window": "24h"}).json()
    visit(browser, base_url, "/ui/org/mozilla", shots, "org", ["mozilla", "Top repositories"])
    for field in ("events", "repos", "actors"):
        assert number(cells(browser, f"#totals [data-field={field}]")[0]) == summary[field], field
    assert cells(browser, "#top-repos td:first-child") == [r["repo_name"] for r in summary["top_repos"]]
    # follow the link to the busiest actor: entities link to each other
    login = summary["top_actors"][0]["login"]
    browser.find_element(By.CSS_SELECTOR, f'#top-actors a[href="/ui/actor/{login}"]').click()
    actor = api.get(f"/actor/{login}").json()
    visit(browser, base_url, f"/ui/actor/{login}", shots, "actor", [login, "Recent events"])
    assert number(cells(browser, "#profile [data-field=events]")[0]) == actor["events"]


def test_anomalies_list_and_detail(browser, base_url, api, shots):
    rows = api.get("/anomalies", params={"limit": 50}).json()["data"]
    assert rows, "the session lake has anomalies"
    visit(browser, base_url, "/ui/anomalies", shots, "anomalies", ["Anomalies, newest hour first"])
    assert [number(v) for v in cells(browser, "#anomalies-table td[data-field=observed]")] == [
        r["observed"] for r in rows
    ]
    browser.find_element(By.CSS_SELECTOR, "#anomalies-table tbody tr:first-child td:first-child a").click()
    text = wait_for_text(browser, ["against the baseline", "Investigation"], 20)
    browser.save_screenshot(str(shots / "anomaly.png"))
    assert "No investigation yet" in text
    assert cells(browser, "#anomaly-facts [data-field=baseline]") == [f"{rows[0]['baseline']:,.2f}"]
    assert not console_errors(browser)


def test_ask_box_shows_the_cited_answer(browser, base_url, api, shots):
    question = "Which repositories trended in the last 24 hours?"
    answer = api.post("/ask", json={"question": question}).json()
    assert not answer["abstained"] and answer["citations"], answer
    visit(browser, base_url, "/ui/ask", shots, "ask-empty", ["Ask a question"])
    browser.find_element(By.ID, "question").send_keys(question, Keys.ENTER)
    text = wait_for_text(browser, ["Citations (the rows)", answer["answer"][:40]], 60)
    browser.save_screenshot(str(shots / "ask.png"))
    assert answer["answer"] in text
    for claim in answer["claims"]:
        assert claim["text"] in text
    # each citation is shown as the row it came from: its table, key, version and field values
    for citation in answer["citations"]:
        box = browser.find_element(By.ID, f"cite-{citation['id']}")
        assert f"[{citation['id']}] {citation['table']}" in box.text
        assert f"Delta version {citation['delta_version']}" in box.text
        shown = dict(zip(cells(box, "th"), cells(box, "td"), strict=True))
        for field, value in citation["values"].items():
            assert shown[field] == ("null" if value is None else str(value)), (citation["id"], field)
    assert not console_errors(browser)


def test_ask_box_shows_an_abstention_with_its_reason(browser, base_url, api, shots):
    question = "How many stars did rails/rails get in March 2030?"
    answer = api.post("/ask", json={"question": question}).json()
    assert answer["abstained"] and answer["reason"], answer
    browser.get(base_url + "/ui/ask")
    browser.find_element(By.ID, "question").send_keys(question, Keys.ENTER)
    text = wait_for_text(browser, ["No answer"], 60)
    browser.save_screenshot(str(shots / "ask-abstained.png"))
    assert f"The service abstained: {answer['reason']}" in text
    assert not console_errors(browser)
