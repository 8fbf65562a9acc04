"""With a chat model the agent chooses the tools and phrases findings; the verifier still decides.
Scripted fake models stand in for the LLM (tool calls, then an answer)."""

from __future__ import annotations

from ghintel_agents.run import make_target, run_agent
from tests.agents.conftest import STAR_ANOMALY as STAR_ANOMALY_ID
from tests.agents.fakes import scripted, tool_call
from tests.agents.gold_rows import GoldRows

REPO = "prakhar1989/awesome-courses"
HOUR_1 = "2015-01-01T01:00"


def window_totals(agents_home) -> dict:
    sql = "SELECT events, stars FROM fct_repo_activity_hourly WHERE repo_name = ? AND event_hour = ?"
    return GoldRows(agents_home).one(sql, [REPO, HOUR_1])


def run_analyst_with(api, model) -> dict:
    """The repo-analyst on REPO's 1h window ending HOUR_1, driven by ``model``."""
    target = make_target("repo-analyst", repo=REPO, window="1h", as_of=HOUR_1)
    return run_agent("repo-analyst", target, api, model=model)


def test_model_chooses_tools_and_its_supported_sentence_is_kept(api, agents_home):
    totals = window_totals(agents_home)
    sentence = f"{REPO} had {totals['events']} events and {totals['stars']} stars in the window."
    model = scripted(tool_call("repo_activity", repo=REPO, window="1h", as_of=HOUR_1), sentence)
    report = run_analyst_with(api, model)
    # only what the model asked for was fetched
    assert [c["tool"] for c in report["tool_calls"]] == ["repo_activity"]
    assert report["tool_calls"][0]["args"] == {"repo": REPO, "window": "1h", "as_of": HOUR_1}
    assert sentence in [f["text"] for f in report["findings"]]
    assert report["model"] == "scripted-fake" and report["verified"] is True
    assert report["rejected"] == []


def test_adversarial_model_with_wrong_numbers_is_rejected(api, agents_home):
    totals = window_totals(agents_home)
    wrong = f"{REPO} had {totals['events'] * 7 + 1} events and {totals['stars'] + 4242} stars in the window."
    model = scripted(tool_call("repo_activity", repo=REPO, window="1h", as_of=HOUR_1), wrong)
    report = run_analyst_with(api, model)
    assert [r["text"] for r in report["rejected"]] == [wrong]
    assert report["rejected"][0]["reason"]
    texts = [f["text"] for f in report["findings"]]
    assert wrong not in texts
    # the deterministic findings from the rows the model fetched remain, verified
    assert texts and all(f["verified"] for f in report["findings"])
    assert any(f"{totals['events']} events" in t for t in texts)


def test_model_tool_calls_are_limited(api):
    from ghintel_agents.runtime import MAX_TOOL_CALLS

    calls = [tool_call("anomalies", limit=1) for _ in range(MAX_TOOL_CALLS + 4)]
    model = scripted(*calls, "done.")
    report = run_agent("repo-analyst", make_target("repo-analyst", repo=REPO), api, model=model)
    assert len(report["tool_calls"]) <= MAX_TOOL_CALLS


def test_model_uses_the_search_tool_and_cites_the_documents_rows(agents_home, tmp_path):
    import shutil

    from ghintel_agents.core.client import api_client
    from ghintel_agents.tools import ApiTools
    from tests.agents.rag_lake import build_rag
    from tests.api.conftest import api_settings

    # a private copy: the session lake's index belongs to the RAG tests, which build it themselves
    home = tmp_path / "home"
    shutil.copytree(agents_home, home)
    build_rag(home)
    query = "ghintel-synthetic/star-burst anomaly stars"
    with api_client(api_settings(home)) as client:
        api = ApiTools(client)
        hits = api.search(query, limit=3)
        assert hits.citations, "search returned no rows to cite"
        row = hits.citations[0]
        number = next(v for v in row.values.values() if isinstance(v, int) and not isinstance(v, bool))
        claim = f"The search found a cited figure of {number}."
        model = scripted(tool_call("search", q=query, limit=3), claim)
        target = make_target("anomaly-investigator", anomaly=STAR_ANOMALY_ID)
        report = run_agent("anomaly-investigator", target, api, model=model)
    assert [c["tool"] for c in report["tool_calls"]] == ["search"]
    kept = next(f for f in report["findings"] if f["text"] == claim)
    cited = {c["id"]: c for c in report["citations"]}
    assert any(number in cited[i]["values"].values() for i in kept["citations"])
