"""Throughput of the contract on real GH Archive hours, next to same-run baselines.

Figures, not assertions: the machine is shared and numbers move; the baselines run in the same
process on the same bytes so the ratios stay comparable between runs.
"""

from __future__ import annotations

import gc
import gzip
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import orjson

from ghintel_pipeline.lib.contracts.arrow import events_to_arrow
from ghintel_pipeline.lib.contracts.validate import validate_batch

_REPO_ROOT = Path(__file__).resolve().parents[3]


def default_bench_files() -> list[Path]:
    """The shared 2015 GH Archive hours (``../shared`` beside the repo, or $GHINTEL_SHARED_DATA)."""
    shared = Path(os.environ.get("GHINTEL_SHARED_DATA", _REPO_ROOT.parent / "shared" / "data" / "github-events"))
    return sorted((shared / "gharchive").glob("2015-*.json.gz"))


def read_lines(path: Path) -> list[bytes]:
    """The non-empty lines of an NDJSON file, gzip or not."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return [line for line in handle.read().split(b"\n") if line.strip()]


def _best_of(repeat: int, func: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def _duckdb_read_json(paths: Sequence[Path]) -> float | str:
    """Seconds for DuckDB to read the same files into a table, or why it could not."""
    try:
        import duckdb

        con = duckdb.connect()
        files = [str(p) for p in paths]
        start = time.perf_counter()
        con.execute(
            "create table t as select * from read_json(?, format='newline_delimited', "
            "union_by_name=true, maximum_object_size=16777216)",
            [files],
        )
        seconds = time.perf_counter() - start
        con.close()
        return seconds
    except Exception as exc:  # a baseline that fails must not hide the contract's own figures
        return f"{type(exc).__name__}: {exc}"[:200]


def _rate(events: int, seconds: float) -> float:
    return events / seconds if seconds > 0 else float("inf")


def run_validation_bench(files: Sequence[Path] | None = None, *, repeat: int = 3, duckdb: bool = True) -> dict:
    """Measure validate_batch and events_to_arrow on ``files`` (best of ``repeat`` runs each).

    Decompression and line splitting happen before the clock starts, for every figure alike.
    """
    paths = [Path(p) for p in (files or default_bench_files())]
    if not paths:
        raise FileNotFoundError("no input files (shared 2015 hours not found; pass paths)")
    raws: list[bytes] = []
    for path in paths:
        raws.extend(read_lines(path))
    n = len(raws)
    validate_s, batch = _best_of(repeat, lambda: validate_batch(raws, source="gharchive"))
    arrow_s, table = _best_of(repeat, lambda: events_to_arrow(batch.events))
    orjson_s, _ = _best_of(repeat, lambda: [orjson.loads(raw) for raw in raws])
    result = {
        "files": [str(p) for p in paths],
        "events": n,
        "valid": len(batch.events),
        "quarantined": len(batch.quarantined),
        "validate_batch": {"seconds": validate_s, "events_per_s": _rate(n, validate_s)},
        "events_to_arrow": {
            "seconds": arrow_s,
            "events_per_s": _rate(len(batch.events), arrow_s),
            "rows": table.num_rows,
        },
        "validate_plus_arrow": {
            "seconds": validate_s + arrow_s,
            "events_per_s": _rate(n, validate_s + arrow_s),
        },
        "baseline_orjson_loads": {"seconds": orjson_s, "events_per_s": _rate(n, orjson_s)},
        "ratio_validate_vs_orjson": orjson_s / validate_s if validate_s > 0 else None,
    }
    if duckdb:
        duck = _duckdb_read_json(paths)
        if isinstance(duck, float):
            result["baseline_duckdb_read_json"] = {"seconds": duck, "events_per_s": _rate(n, duck)}
            result["ratio_validate_plus_arrow_vs_duckdb"] = duck / (validate_s + arrow_s)
        else:
            result["baseline_duckdb_read_json"] = {"error": duck}
    return result
