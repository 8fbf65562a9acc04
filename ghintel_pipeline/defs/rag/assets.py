"""``gold/rag_documents``: documents rendered from the marts and embedded (ghintel_agents/rag).

Eager automation: it follows each gold build when Dagster's automation sensor runs; a build with
no changed source rows writes nothing (measured in docs/agents.md)."""

import dagster as dg

from ghintel_agents.rag.documents import SOURCE_TABLES
from ghintel_pipeline.defs.resources import LakeResource

RAG_KEY = dg.AssetKey(["gold", "rag_documents"])


@dg.asset(
    key=RAG_KEY,
    deps=[dg.AssetKey(["gold", name]) for name in SOURCE_TABLES],
    group_name="rag",
    kinds={"python", "delta"},
    automation_condition=dg.AutomationCondition.eager(),
    description="One row per document rendered from gold rows (repo/org/actor profiles, anomalies, "
    "trending entries, coverage notes, metric definitions) with its source row keys and embedding; "
    "only documents whose source rows changed are re-embedded.",
)
def rag_documents(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    from ghintel_agents.rag.embed import get_embedder
    from ghintel_agents.rag.index import build_index

    settings = lake.settings()
    report = build_index(settings, get_embedder(settings))
    context.log.info(f"rag_documents: {report.documents} documents, {report.embedded} embedded")
    return dg.MaterializeResult(metadata={k: v for k, v in report.as_dict().items() if v is not None})
