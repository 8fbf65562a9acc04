"""The retrieval index: Delta table ``<lake>/gold/rag_documents``, one row per document with its
embedding as a float array, rebuilt incrementally.

A build renders every document from gold (cheap), compares each document's source-row hash with
the stored one and embeds only new or changed documents; unchanged ones keep their vectors (their
source Delta versions are refreshed). Nothing changed → no new table version.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from ghintel_agents.rag.documents import SOURCE_TABLES, Document, GoldReader, render_documents
from ghintel_agents.rag.embed import Embedder
from ghintel_pipeline.lib.arrow_types import UTC_US
from ghintel_pipeline.lib.lake import lake_table_uri, open_table, storage_options
from ghintel_pipeline.lib.settings import Settings

RAG_TABLE = ("gold", "rag_documents")
EMBED_BATCH = 512


def index_schema(dim: int) -> pa.Schema:
    return pa.schema(
        [
            ("doc_id", pa.string()),
            ("kind", pa.string()),
            ("entity", pa.string()),
            ("title", pa.string()),
            ("text", pa.string()),
            ("period_start", UTC_US),
            ("period_end", UTC_US),
            ("sources", pa.string()),
            ("source_hash", pa.string()),
            ("embedder", pa.string()),
            ("vector", pa.list_(pa.float32(), dim)),
        ]
    )


@dataclass
class IndexReport:
    documents: int
    embedded: int
    removed: int
    version: int | None
    embed_seconds: float
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__ | {
            "docs_per_s": round(self.embedded / self.embed_seconds, 1) if self.embedded else None
        }


def open_gold(settings: Settings) -> GoldReader:
    tables, versions = {}, {}
    for name in SOURCE_TABLES:
        dt = open_table(settings, ("gold", name))
        if dt is not None:
            tables[name] = dt.to_pyarrow_dataset()
            versions[name] = dt.version()
    return GoldReader(tables, versions)


def _stored(settings: Settings) -> dict[str, tuple[str, str, list[float]]]:
    dt = open_table(settings, RAG_TABLE)
    if dt is None:
        return {}
    table = dt.to_pyarrow_table(columns=["doc_id", "source_hash", "embedder", "vector"])
    return {
        d: (h, e, v)
        for d, h, e, v in zip(
            table["doc_id"].to_pylist(),
            table["source_hash"].to_pylist(),
            table["embedder"].to_pylist(),
            table["vector"].to_pylist(),
            strict=True,
        )
    }


def _embed(embedder: Embedder, docs: list[Document]) -> np.ndarray:
    parts = [
        embedder.embed([f"{d.title}. {d.text}" for d in docs[i : i + EMBED_BATCH]])
        for i in range(0, len(docs), EMBED_BATCH)
    ]
    return np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def build_index(settings: Settings, embedder: Embedder, gold: GoldReader | None = None) -> IndexReport:
    started = time.perf_counter()
    docs = render_documents(gold or open_gold(settings))
    stored = _stored(settings)
    hashes = [d.source_hash for d in docs]
    changed = [
        i
        for i, (d, h) in enumerate(zip(docs, hashes, strict=True))
        if d.doc_id not in stored or stored[d.doc_id][:2] != (h, embedder.name)
    ]
    removed = len(set(stored) - {d.doc_id for d in docs})
    t0 = time.perf_counter()
    fresh = _embed(embedder, [docs[i] for i in changed])
    embed_seconds = time.perf_counter() - t0
    uri = lake_table_uri(settings, *RAG_TABLE)
    options = storage_options(settings)
    sources = [json.dumps([s.as_dict() for s in d.sources], sort_keys=True, default=str) for d in docs]
    if stored and not changed and not removed:
        # same rows everywhere; only a source table's Delta version may have moved
        current = DeltaTable(uri, storage_options=options)
        table = current.to_pyarrow_table(columns=["doc_id", "sources"])
        if dict(zip(table["doc_id"].to_pylist(), table["sources"].to_pylist(), strict=True)) == dict(
            zip([d.doc_id for d in docs], sources, strict=True)
        ):
            return IndexReport(
                len(docs), 0, 0, current.version(), embed_seconds, time.perf_counter() - started
            )
    vectors: list[Any] = [None] * len(docs)
    for row, i in enumerate(changed):
        vectors[i] = fresh[row]
    for i, d in enumerate(docs):
        if vectors[i] is None:
            vectors[i] = stored[d.doc_id][2]
    flat = np.asarray(vectors, dtype=np.float32).reshape(-1)
    table = pa.table(
        {
            "doc_id": [d.doc_id for d in docs],
            "kind": [d.kind for d in docs],
            "entity": [d.entity for d in docs],
            "title": [d.title for d in docs],
            "text": [d.text for d in docs],
            "period_start": [d.period_start for d in docs],
            "period_end": [d.period_end for d in docs],
            "sources": sources,
            "source_hash": hashes,
            "embedder": [embedder.name] * len(docs),
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(flat, pa.float32()), embedder.dim),
        },
        schema=index_schema(embedder.dim),
    )
    write_deltalake(uri, table, mode="overwrite", schema_mode="overwrite", storage_options=options)
    version = DeltaTable(uri, storage_options=options).version()
    return IndexReport(
        len(docs), len(changed), removed, version, embed_seconds, time.perf_counter() - started
    )
