"""Hybrid retrieval over ``gold.rag_documents``: entity/time pre-filter, then BM25 (bm25s) and
dense cosine (DuckDB ``array_cosine_similarity``, exact) fused by reciprocal rank.

Exact cosine scans every pre-filtered vector: ~15k documents of 256 floats per two GH Archive
hours take a few milliseconds. It stays fine to a few hundred thousand documents; past that (or
with 1,536-d endpoint embeddings) an ANN index (DuckDB's VSS/HNSW) would be needed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import bm25s
import numpy as np

from ghintel_agents.rag.documents import DocumentFields
from ghintel_agents.rag.query import Parsed

RRF_K = 60
CANDIDATES = 50
_TOKEN = re.compile(r"[^\W_]{2,}")
_STOP = frozenset(
    "the and for with what was were which who how many much did does are has have had from that this "
    "over into its their about in on of to is by".split()
)


def tokenize(text: str) -> list[str]:
    """Lower-case words of 2+ letters/digits (``kaltura/mwEmbed`` -> kaltura, mwembed; ``prs_opened`` ->
    prs, opened), plurals folded."""
    out = []
    for token in _TOKEN.findall(text.lower()):
        if token in _STOP:
            continue
        out.append(
            token[:-1] if len(token) > 3 and token.endswith("s") and not token.endswith("ss") else token
        )
    return out


@dataclass
class DocRow(DocumentFields):
    """A stored document; ``sources`` is the JSON text of its source rows."""

    sources: str

    def source_list(self) -> list[dict[str, Any]]:
        return json.loads(self.sources)


class DocIndex:
    """The documents of one rag_documents version with their BM25 index (built once per version)."""

    def __init__(self, rows: list[DocRow]):
        self.rows = rows
        self.position = {r.doc_id: i for i, r in enumerate(rows)}
        self.entities = np.array([(r.entity or "").lower() for r in rows], dtype=object)
        self.kinds = np.array([r.kind for r in rows], dtype=object)
        self.owners = np.array([(r.entity or "").lower().split("/")[0] for r in rows], dtype=object)
        self.bm25 = bm25s.BM25()
        # the title twice: it names the entity or section, the strongest signal a document has
        corpus = [tokenize(f"{r.title} {r.title} {r.text}") or ["_"] for r in rows]
        self.bm25.index(corpus, show_progress=False)
        self.vocab = set(self.bm25.vocab_dict)

    def bm25_scores(self, query: str) -> np.ndarray:
        tokens = [t for t in tokenize(query) if t in self.vocab]
        if not tokens:
            return np.zeros(len(self.rows))
        return self.bm25.get_scores(tokens)


# what a question's topic says about the kind of document it wants
TOPIC_KINDS = {"definition": "metric", "anomaly": "anomaly", "coverage": "coverage", "trending": "trending"}


@dataclass(frozen=True)
class Prefilter:
    entities: tuple[str, ...] = ()
    first: datetime | None = None
    last: datetime | None = None
    kinds: tuple[str, ...] = ()

    def mask(self, index: DocIndex) -> np.ndarray:
        keep = np.ones(len(index.rows), dtype=bool)
        if self.kinds:
            keep &= np.isin(index.kinds, self.kinds)
        if self.entities:
            wanted = set(self.entities)
            keep &= np.array(
                [e in wanted or o in wanted for e, o in zip(index.entities, index.owners, strict=True)]
            )
        if self.first is not None and self.last is not None:
            keep &= np.array(
                [
                    r.period_start is None
                    or (r.period_start <= self.last and (r.period_end or r.period_start) >= self.first)
                    for r in index.rows
                ]
            )
        return keep


def prefilter_for(parsed: Parsed, index: DocIndex) -> Prefilter:
    """Entities the index knows, the question's period and topic; the strictest combination that
    leaves some document wins (a filter that would leave nothing is dropped)."""
    known = set(index.entities) | set(index.owners)
    entities = tuple(e.lower() for e in parsed.entities if e.lower() in known)
    period = (parsed.period.first, parsed.period.last) if parsed.period else (None, None)
    # "how is the trending score computed" asks for a definition, not for trending entries
    topics = ["definition"] if "definition" in parsed.topics else parsed.topics
    kinds = tuple(TOPIC_KINDS[t] for t in topics if t in TOPIC_KINDS)
    if not kinds and not parsed.repos:
        # "the org apache", "user gyuho": the summary of that entity, not its repositories
        kinds = (("org",) if parsed.orgs else ()) + (("actor",) if parsed.logins else ())
    for candidate in (
        Prefilter(entities, *period, kinds),
        Prefilter(entities, *period),
        Prefilter(entities, kinds=kinds),
        Prefilter(entities),
        Prefilter((), *period, kinds),
        Prefilter((), *period),
        Prefilter(kinds=kinds),
    ):
        if (candidate.entities or candidate.first or candidate.kinds) and candidate.mask(index).any():
            return candidate
    return Prefilter()


def rank_bm25(index: DocIndex, query: str, mask: np.ndarray, k: int = CANDIDATES) -> list[int]:
    scores = np.where(mask, index.bm25_scores(query), -1.0)
    order = np.argsort(-scores, kind="stable")[:k]
    return [int(i) for i in order if scores[i] > 0]


def fuse(*rankings: list[int], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the rankings a document appears in.
    Ties go to the better rank in the first ranking (BM25: on templated text, exact words win)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    first = {doc: rank for rank, doc in enumerate(rankings[0])} if rankings else {}
    return sorted(
        scores.items(), key=lambda item: (-round(item[1], 12), first.get(item[0], len(first)), item[0])
    )
