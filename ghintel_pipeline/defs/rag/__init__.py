"""gold -> gold/rag_documents: the retrieval index behind /search and /ask."""

import dagster as dg

from ghintel_pipeline.defs.rag.assets import rag_documents

rag_index_job = dg.define_asset_job("build_rag_index_job", selection=[rag_documents.key])

defs = dg.Definitions(assets=[rag_documents], jobs=[rag_index_job])
