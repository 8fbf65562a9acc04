"""``ghintel bench rag``: retrieval quality, answer exactness, abstention and /ask latency on the
local lake, with questions generated from the lake's own rows.

Baselines measured in the same run: BM25 alone and dense alone (for hybrid retrieval), a plain
``GET /repos/{owner}/{name}`` (for /ask latency), BM25 indexing (for embedding throughput).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

import duckdb

from ghintel_agents.core.citations import AskAnswer
from ghintel_agents.core.client import api_client
from ghintel_agents.core.verify import verify
from ghintel_agents.rag.embed import get_embedder
from ghintel_agents.rag.index import build_index
from ghintel_agents.rag.retrieve import DocIndex, DocRow
from ghintel_pipeline.lib.lake import open_table
from ghintel_pipeline.lib.settings import Settings

OUT_OF_DOMAIN = [
    "What is the capital of France?", "How do I bake sourdough bread?", "Who won the 2018 World Cup?",
    "What is the weather tomorrow?", "Translate hello into Spanish", "Recommend a good novel",
    "What is the square root of 2?", "How tall is Mount Everest?", "Best pizza in Naples?",
    "Explain quantum entanglement simply", "Write me a poem about autumn", "What time is it in Tokyo?",
    "How do vaccines work?", "Who painted the Mona Lisa?", "What is the price of gold today?",
]  # fmt: skip
OUT_OF_COVERAGE = [
    *(f"How many events did the org {{org}} have on {y}-06-01?" for y in (2011, 2012, 2013, 2014)),
    *(f"How many stars did {{repo}} get in March {y}?" for y in (2016, 2019, 2024, 2030)),
    *(f"What was trending on {y}-01-01?" for y in (2010, 2020, 2031)),
    *(f"Any anomalies in {y}?" for y in (2013, 2025, 2040)),
    "How many pushes were there on 2014-12-31?",
]


@dataclass
class Question:
    text: str
    kind: str  # numeric | ranking | retrieval | out_of_coverage | out_of_domain
    doc: str | None = None
    expect: str | None = None  # a phrase the answer must contain


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def generate_questions(settings: Settings, per_route: int = 25) -> list[Question]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name in (
        "dim_repos",
        "dim_orgs",
        "dim_actors",
        "fct_repo_activity_hourly",
        "repo_trending",
        "anomalies",
        "data_coverage",
    ):
        con.register(name, open_table(settings, ("gold", name)).to_pyarrow_dataset())
    qs: list[Question] = []
    for r in _rows(
        con, f"SELECT repo_name, events FROM dim_repos ORDER BY events DESC, repo_name LIMIT {per_route}"
    ):
        qs.append(
            Question(
                f"How many events did {r['repo_name']} have?",
                "numeric",
                f"repo:{r['repo_name']}",
                f"{r['events']} events",
            )
        )
    hourly = _rows(
        con,
        f"""SELECT repo_name, strftime(event_hour, '%Y-%m-%dT%H:00') AS h, pushes
            FROM fct_repo_activity_hourly WHERE pushes > 0
            ORDER BY pushes DESC, repo_name LIMIT {per_route}""",
    )
    for r in hourly:
        qs.append(
            Question(
                f"How many pushes did {r['repo_name']} get at {r['h']}?",
                "numeric",
                None,
                f"{r['pushes']} pushes",
            )
        )
    for r in _rows(
        con, f"SELECT org_login, events FROM dim_orgs ORDER BY events DESC, org_login LIMIT {per_route}"
    ):
        qs.append(
            Question(
                f"How many events did the org {r['org_login']} have?",
                "numeric",
                f"org:{r['org_login']}",
                f"{r['events']} events",
            )
        )
    for r in _rows(
        con, f"SELECT login FROM dim_actors WHERE NOT is_bot ORDER BY events DESC, login LIMIT {per_route}"
    ):
        qs.append(Question(f"Who is the user {r['login']}?", "retrieval", f"actor:{r['login']}"))
    for r in _rows(con, "SELECT * FROM anomalies ORDER BY event_hour, entity"):
        key = f"{r['entity_type']}:{r['entity']}:{r['metric']}:{r['event_hour']:%Y-%m-%dT%H}"
        qs.append(
            Question(
                f"Was there an anomaly for {r['entity']}?",
                "numeric",
                f"anomaly:{key}",
                f"{r['observed']:g} {r['metric']}",
            )
        )
    for w in ("1h", "24h", "7d", "30d"):
        top = _rows(con, f"""SELECT repo_name FROM repo_trending WHERE "window" = '{w}' AND rank = 1""")
        if top:
            phrase = {
                "1h": "in the last hour",
                "24h": "in the last 24 hours",
                "7d": "this week",
                "30d": "this month",
            }[w]
            for template in (
                "Which repos are trending {p}?",
                "What are the top repositories {p}?",
                "Most popular repos {p}",
            ):
                qs.append(Question(template.format(p=phrase), "ranking", None, f"#1 {top[0]['repo_name']}"))
    for r in _rows(
        con, "SELECT DISTINCT strftime(event_hour, '%Y-%m-%dT%H') AS h, source FROM data_coverage ORDER BY h"
    ):
        qs.append(
            Question(
                f"What was the data coverage of hour {r['h']}?",
                "retrieval",
                f"coverage:{r['h']}:{r['source']}",
            )
        )
    metric_docs = open_table(settings, ("gold", "rag_documents")).to_pyarrow_table(
        columns=["doc_id", "kind", "title"]
    )
    for doc_id, kind, title in zip(
        *(metric_docs[c].to_pylist() for c in ("doc_id", "kind", "title")), strict=True
    ):
        if kind == "metric":
            qs.append(Question(f"What is the {title.split(': ', 1)[1]} definition?", "retrieval", doc_id))
    org, repo = qs[2 * per_route].text.split("org ")[1].rstrip("?").split(" ")[0], hourly[0]["repo_name"]
    qs += [Question(t.format(org=org, repo=repo), "out_of_coverage") for t in OUT_OF_COVERAGE]
    qs += [Question(t, "out_of_domain") for t in OUT_OF_DOMAIN]
    return qs


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def retrieval_scores(client, questions: list[Question]) -> dict[str, dict[str, float]]:
    targeted = [q for q in questions if q.doc]
    out = {}
    for mode in ("bm25", "dense", "hybrid"):
        recall, rr = 0, 0.0
        for q in targeted:
            ids = [
                r["id"]
                for r in client.get("/search", params={"q": q.text, "limit": 10, "mode": mode}).json()[
                    "results"
                ]
            ]
            recall += q.doc in ids[:5]
            rr += 1 / (ids.index(q.doc) + 1) if q.doc in ids else 0
        out[mode] = {
            "recall_at_5": round(recall / len(targeted), 3),
            "mrr_at_10": round(rr / len(targeted), 3),
        }
    out["questions"] = len(targeted)
    return out


def run_rag_bench(settings: Settings) -> dict[str, Any]:
    embedder = get_embedder(settings)
    index_report = build_index(settings, embedder)
    rows = (
        open_table(settings, ("gold", "rag_documents"))
        .to_pyarrow_table(
            columns=["doc_id", "kind", "entity", "title", "text", "period_start", "period_end", "sources"]
        )
        .to_pylist()
    )
    texts = [f"{r['title']}. {r['text']}" for r in rows]
    t0 = time.perf_counter()
    embedder.embed(texts)
    embed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    DocIndex([DocRow(**r) for r in rows])
    bm25_s = time.perf_counter() - t0
    questions = generate_questions(settings)
    with api_client(settings.model_copy(update={"ghintel_api_url": None})) as client:
        client.get("/search", params={"q": "warm up"})
        retrieval = retrieval_scores(client, questions)
        latencies, answers = [], []
        for q in questions:
            t0 = time.perf_counter()
            body = client.post("/ask", json={"question": q.text}).json()
            latencies.append((time.perf_counter() - t0) * 1000)
            answers.append((q, body))
        repo = next(
            q.text.split(" did ")[1].split(" have")[0]
            for q in questions
            if q.doc and q.doc.startswith("repo:")
        )
        base = []
        for _ in range(len(questions)):
            t0 = time.perf_counter()
            client.get(f"/repos/{repo}")
            base.append((time.perf_counter() - t0) * 1000)
        unsupported = 0
        for _, body in answers:
            if body.get("abstained"):
                continue
            parsed = AskAnswer.model_validate(body)
            _, rejected = verify(parsed.claims, parsed.citations)
            unsupported += len(rejected)
    numeric = [(q, b) for q, b in answers if q.kind in ("numeric", "ranking")]
    exact = sum(1 for q, b in numeric if not b["abstained"] and q.expect in b["answer"])
    should = [b for q, b in answers if q.kind in ("out_of_coverage", "out_of_domain")]
    did = [b for _, b in answers if b["abstained"]]
    true_abstain = sum(1 for b in should if b["abstained"])
    answered = [b for _, b in answers if not b["abstained"]]
    return {
        "questions": len(questions),
        "by_kind": {k: sum(1 for q in questions if q.kind == k) for k in sorted({q.kind for q in questions})},
        "retrieval": retrieval,
        "numeric_accuracy": round(exact / len(numeric), 3),
        "numeric_questions": len(numeric),
        "unsupported_numbers_per_answer": round(unsupported / max(1, len(answered)), 3),
        "abstention_precision": round(true_abstain / max(1, len(did)), 3),
        "abstention_recall": round(true_abstain / max(1, len(should)), 3),
        "ask_ms": {
            "p50": round(statistics.median(latencies), 1),
            "p95": round(_percentile(latencies, 0.95), 1),
        },
        "baseline_repo_route_ms": {
            "p50": round(statistics.median(base), 1),
            "p95": round(_percentile(base, 0.95), 1),
        },
        "documents": len(rows),
        "docs_embedded_per_s": round(len(rows) / embed_s, 1),
        "baseline_bm25_indexed_docs_per_s": round(len(rows) / bm25_s, 1),
        "embedder": embedder.name,
        "index_build": index_report.as_dict(),
    }
