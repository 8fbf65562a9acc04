"""``ghintel bench rag``: retrieval recall/MRR (BM25, dense, hybrid), exact numbers, abstention,
/ask latency and embedding throughput over the local lake (GHINTEL_HOME)."""

from __future__ import annotations

import json

from benchmarks.output import AsJson, show


def bench_rag(as_json: AsJson = False) -> None:
    """Questions generated from the lake's rows (every route) through the in-process app."""
    import os

    from benchmarks.rag import run_rag_bench
    from ghintel_pipeline.lib.settings import Settings

    result = run_rag_bench(Settings())
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    show(result, as_json, lambda figures, out: out.print_json(json.dumps(figures, default=str)))
