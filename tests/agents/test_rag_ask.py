"""Retrieval and grounded answers on the real agents lake (real backfill, dbt gold, index build),
through the real app: numbers are compared with independent DuckDB counts over the raw hour files."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import pytest
from deltalake import DeltaTable
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage
from typer.testing import CliRunner

from ghintel_agents.ask.answer import answer_question
from ghintel_agents.rag.documents import GoldReader
from ghintel_agents.rag.embed import get_embedder
from ghintel_agents.rag.index import SOURCE_TABLES, build_index
from ghintel_agents.tools import ApiTools
from ghintel_api.main import create_app
from ghintel_pipeline.cli.main import app as cli
from tests.agents.fakes import scripted
from tests.agents.rag_lake import PARAPHRASES, build_rag
from tests.api.conftest import api_settings
from tests.api.reference import RawEvents
from tests.conftest import HOUR_0


@pytest.fixture(scope="session")
def rag_home(agents_home):
    report = build_rag(agents_home)
    assert report.documents == report.embedded > 1000
    return agents_home


@pytest.fixture(scope="session")
def rag_client(rag_home):
    with TestClient(create_app(api_settings(rag_home))) as client:
        yield client


@pytest.fixture
def tools(rag_client) -> ApiTools:
    return ApiTools(rag_client)


def test_hybrid_recall_at_5_on_paraphrases(rag_client):
    assert len(PARAPHRASES) >= 40
    found = {}
    for mode in ("bm25", "dense", "hybrid"):
        hits = 0
        for question, want in PARAPHRASES:
            body = rag_client.get("/search", params={"q": question, "limit": 5, "mode": mode}).json()
            hits += want in [r["id"] for r in body["results"]]
        found[mode] = hits / len(PARAPHRASES)
    assert found["hybrid"] >= 0.9, found


def test_search_results_carry_their_gold_rows(rag_client, rag_home):
    body = rag_client.get("/search", params={"q": "kcaa/kcaa issues anomaly", "limit": 3}).json()
    top = body["results"][0]
    assert top["id"] == "anomaly:repo:kcaa/kcaa:issues_opened:2015-01-01T01"
    assert body["prefilter"]["entities"] == ["kcaa/kcaa"] and body["prefilter"]["kinds"] == ["anomaly"]
    (row,) = top["rows"]
    dt = DeltaTable(str(rag_home / "lakehouse" / "gold" / "anomalies"))
    assert row["delta_version"] == dt.version()
    gold = [r for r in dt.to_pyarrow_table().to_pylist() if r["entity"] == "kcaa/kcaa"]
    assert row["values"]["observed"] == gold[0]["observed"] == 13
    assert "13 issues_opened" in top["text"]


def test_index_is_incremental(rag_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(rag_home, home)
    settings = api_settings(home)
    embedder = get_embedder(settings)
    before = DeltaTable(str(home / "lakehouse" / "gold" / "rag_documents")).version()
    again = build_index(settings, embedder)
    assert (again.embedded, again.version) == (0, before)  # nothing changed: no new version

    tables, versions = {}, {}
    for name in SOURCE_TABLES:
        dt = DeltaTable(str(home / "lakehouse" / "gold" / name))
        table = dt.to_pyarrow_table()
        if name == "dim_repos":  # one repo's row changes
            rows = table.to_pylist()
            for r in rows:
                if r["repo_name"] == "kcaa/kcaa":
                    r["events"] += 1
            table = table.from_pylist(rows, schema=table.schema)
        tables[name], versions[name] = table, dt.version()
    changed = build_index(settings, embedder, gold=GoldReader(tables, versions))
    assert changed.embedded == 1 and changed.version == before + 1
    text = DeltaTable(str(home / "lakehouse" / "gold" / "rag_documents")).to_pyarrow_table().to_pylist()
    (doc,) = [d for d in text if d["doc_id"] == "repo:kcaa/kcaa"]
    assert "22 events" in doc["text"]


def test_answer_numbers_equal_raw_counts(tools):
    raw = RawEvents([HOUR_0])
    start, end = datetime(2015, 1, 1, 0, tzinfo=UTC), datetime(2015, 1, 1, 1, tzinfo=UTC)
    stars = raw.stars_per_repo(start, end)
    repo = max(stars, key=lambda r: (stars[r], r))
    answer = answer_question(f"How many stars did {repo} get on 2015-01-01T00:00?", tools)
    assert not answer.abstained, answer.reason
    assert f"{repo} had {stars[repo]} stars in the 1h window" in answer.answer
    assert answer.rejected_claims == []
    (cited,) = [c for c in answer.citations if c.table == "gold.fct_repo_activity_hourly"]
    assert cited.values["stars"] == stars[repo]


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("How many stars did kcaa/kcaa get on 2014-06-01?", "no data for 2014-06-01"),
        ("What was trending in March 2030?", "no data for March 2030"),
        ("What is the capital of France?", "out of domain"),
        ("How many events did torvalds/linux have?", "not in the lake"),
    ],
)
def test_abstains(tools, question, reason):
    answer = answer_question(question, tools)
    assert answer.abstained and reason in answer.reason
    assert answer.claims == []


def test_abstention_reports_the_coverage(tools):
    answer = answer_question("How many pushes were there in the last 24 hours of 2014-12-01?", tools)
    assert answer.abstained and answer.coverage.status == "missing" and answer.coverage.hours_ok == 0


def test_wrong_number_from_a_model_is_rejected(tools):
    honest = answer_question("What happened to kcaa/kcaa?", tools)
    liar = scripted(AIMessage("kcaa/kcaa had 2100 events, a big month."))
    answer = answer_question("What happened to kcaa/kcaa?", tools, model=liar)
    assert answer.answer == honest.answer and answer.model == "deterministic"
    assert any("2100" in r.reason for r in answer.rejected_claims)
    exact = scripted(AIMessage(honest.claims[0].text))
    phrased = answer_question("What happened to kcaa/kcaa?", tools, model=exact)
    assert phrased.model == "scripted-fake" and phrased.rejected_claims == []


def test_definition_answers_quote_docs(tools):
    answer = answer_question("How is the trending score computed?", tools)
    assert not answer.abstained and answer.citations[0].table == "docs.metrics"
    assert answer.citations[0].key == {"section": "repo_trending"}


def test_ask_route_and_cli_json(rag_client, rag_home, monkeypatch):
    body = rag_client.post("/ask", json={"question": "Which repos are trending in the last 24 hours?"}).json()
    assert body["route"] == "trending" and not body["abstained"] and body["claims"]
    assert rag_client.post("/ask", json={"question": ""}).status_code == 422
    monkeypatch.setenv("GHINTEL_HOME", str(rag_home))
    monkeypatch.setenv("GHINTEL_API_RATE_LIMIT", "0")
    result = CliRunner().invoke(cli, ["ask", "What happened to kcaa/kcaa?", "--json"])
    assert result.exit_code == 0, result.output
    (line,) = [ln for ln in result.stdout.splitlines() if ln.strip()]
    data = json.loads(line)
    assert {"question", "answer", "abstained", "reason", "claims", "citations", "coverage", "model"} <= set(
        data
    )
    assert {"id", "table", "key", "delta_version", "values"} <= set(data["citations"][0])
    assert data["claims"][0]["citations"][0] == data["citations"][0]["id"]


def test_same_answer_from_a_server_and_in_process(rag_home):
    """GHINTEL_API_URL set: the client talks to a real uvicorn server (loopback, free port)."""
    import threading
    import time

    import uvicorn

    from ghintel_agents.core.client import api_client
    from ghintel_pipeline.lib.kafka.broker import free_port

    port = free_port()
    settings = api_settings(rag_home)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        question = "How many events did the org cloudify-cosmo have?"
        remote = settings.model_copy(update={"ghintel_api_url": f"http://127.0.0.1:{port}"})
        with api_client(remote) as client:
            assert type(client).__name__ == "Client"
            over_http = answer_question(question, ApiTools(client))
        with api_client(settings) as client:
            in_process = answer_question(question, ApiTools(client))
        assert not over_http.abstained
        assert over_http.model_dump() == in_process.model_dump()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
