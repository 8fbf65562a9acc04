"""Hybrid search over ``gold.rag_documents`` (documents rendered from gold rows, see
ghintel_agents/rag): the BM25 side in Python (bm25s, one index per table version), the dense side
exact in DuckDB (``array_cosine_similarity`` over the in-memory copy), fused by reciprocal rank."""

from __future__ import annotations

import threading

import duckdb

from ghintel_agents.rag.embed import Embedder
from ghintel_agents.rag.query import parse_question
from ghintel_agents.rag.retrieve import CANDIDATES, DocIndex, DocRow, fuse, prefilter_for, rank_bm25
from ghintel_api.agent_models import SearchFilter, SearchHit, SearchPublic, SourceRow
from ghintel_api.core.lake import Lake

TABLE = "rag_documents"
# Keyed by the table's URI and loaded version: physical names (rag_documents__v3) repeat across
# lakes, and one process may serve several (tests, benchmarks).
_indexes: dict[str, tuple[str, DocIndex]] = {}
_lock = threading.Lock()


def doc_index(lake: Lake, cur: duckdb.DuckDBPyConnection) -> DocIndex:
    """The BM25 index of the loaded table version (built on first use, ~1 s per 15k documents)."""
    physical = lake.rel(TABLE)
    uri = lake.tables[TABLE].uri
    with _lock:
        cached = _indexes.get(uri)
        if cached is None or cached[0] != physical:
            rows = lake.query(
                cur,
                f"""SELECT doc_id, kind, entity, title, text, period_start, period_end, sources
                    FROM {physical} ORDER BY doc_id""",
            )
            # one version per lake at a time: older ones are retired by the lake
            cached = _indexes[uri] = (physical, DocIndex([DocRow(**r) for r in rows]))
        return cached[1]


def rank_dense(
    lake: Lake, cur: duckdb.DuckDBPyConnection, index: DocIndex, vector, ids: list[str] | None, k: int
) -> list[int]:
    dim = int(len(vector))  # an int we computed: safe to format into the cast
    where, params = "", [vector.tolist()]
    if ids is not None:
        where = "WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))"
        params.append(ids)
    rows = lake.query(
        cur,
        f"""SELECT doc_id, array_cosine_similarity(vector::FLOAT[{dim}], ?::FLOAT[{dim}]) AS sim
            FROM {lake.rel(TABLE)} {where} ORDER BY sim DESC, doc_id LIMIT {int(k)}""",
        params,
    )
    return [index.position[r["doc_id"]] for r in rows]


def search_documents(
    lake: Lake, cur: duckdb.DuckDBPyConnection, embedder: Embedder, q: str, limit: int, mode: str = "hybrid"
) -> SearchPublic:
    index = doc_index(lake, cur)
    parsed = parse_question(q, lake.newest_hour)
    prefilter = prefilter_for(parsed, index)
    mask = prefilter.mask(index)
    bm25 = rank_bm25(index, q, mask) if mode in ("hybrid", "bm25") else []
    dense: list[int] = []
    if mode in ("hybrid", "dense"):
        ids = None if mask.all() else [index.rows[i].doc_id for i in mask.nonzero()[0]]
        dense = rank_dense(lake, cur, index, embedder.embed([q])[0], ids, CANDIDATES)
    fused = fuse(bm25, dense) if mode == "hybrid" else fuse(bm25 or dense)
    bm25_rank = {d: r for r, d in enumerate(bm25, start=1)}
    dense_rank = {d: r for r, d in enumerate(dense, start=1)}
    hits = []
    for position, score in fused[:limit]:
        row = index.rows[position]
        hits.append(
            SearchHit(
                id=row.doc_id,
                kind=row.kind,
                entity=row.entity,
                title=row.title,
                text=row.text,
                score=round(score, 6),
                bm25_rank=bm25_rank.get(position),
                dense_rank=dense_rank.get(position),
                period_start=row.period_start,
                period_end=row.period_end,
                rows=[SourceRow(**s) for s in row.source_list()],
            )
        )
    state = lake.tables[TABLE]
    return SearchPublic(
        query=q,
        mode=mode,
        prefilter=SearchFilter(
            entities=list(prefilter.entities),
            kinds=list(prefilter.kinds),
            since=prefilter.first,
            until=prefilter.last,
        ),
        embedder=embedder.name,
        index_version=state.version,
        results=hits,
    )
