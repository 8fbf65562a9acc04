from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query

from ghintel_api.agent_models import SearchPublic
from ghintel_api.api.deps import CursorDep, LakeDep, api_router
from ghintel_api.queries.search import search_documents

router = api_router("search", "/search")


@router.get("", operation_id="searchDocuments")
def search(
    lake: LakeDep,
    cur: CursorDep,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Free-text query")],
    limit: Annotated[int, Query(ge=1, le=50, description="Documents returned")] = 10,
    mode: Annotated[Literal["hybrid", "bm25", "dense"], Query(description="Ranking")] = "hybrid",
) -> SearchPublic:
    """Documents rendered from gold rows (repo/org/actor profiles, anomalies, trending entries,
    coverage notes, metric definitions), ranked by BM25 + dense cosine fused by reciprocal rank
    after an entity/time pre-filter; each result lists the gold rows (table, key, Delta version,
    values) it came from."""
    from ghintel_agents.rag.embed import get_embedder

    lake.rel("rag_documents")  # 503 before loading an embedder when the index is not built yet
    return search_documents(lake, cur, get_embedder(lake.settings), q, limit, mode)
