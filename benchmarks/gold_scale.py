"""``ghintel bench gold-scale``: the minute loop (Kafka -> bronze -> silver -> gold) at growing history.

One lake grows through the requested history sizes (default 6 h, 24 h, 3 d, 7 d of
``events_per_hour``). At each size the history is first written to silver directly
(``gold_scale_lake``, an amplified replay) and gold catches up with one ``build_gold``; then the
measured minute runs the production path: ``minute_events`` raw events of the next minute are
produced to Kafka (embedded broker), ``run_ingest`` takes them to bronze and silver, and
``build_gold`` recomputes the touched hour (the plan, ``dbt build`` and export that the Dagster
gold step runs, with dbt in-process). Same-run baselines at each size: the dims rebuilt in full (the
materialisation they had before the key merges) and DuckDB's plain aggregation of the minute.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from benchmarks.gold_scale_lake import (
    LABEL,
    extend_history,
    load_history,
    minute_lines,
    save_history,
    saved_sizes,
    template_hour,
)
from ghintel_pipeline.lib.settings import Settings

DIM_MODELS = ("dim_repos", "int_actors_collected", "dim_actors", "dim_orgs")
TOPIC = "bench_gold_scale"


def model_seconds(settings: Settings) -> dict[str, float]:
    """Per-model execution time of the last dbt invocation of this lake (dbt's run_results.json)."""
    from ghintel_pipeline.lib.gold.project import dbt_home

    path = dbt_home(settings) / "target" / "run_results.json"
    results = json.loads(path.read_text())["results"]
    return {
        r["unique_id"].split(".")[-1]: round(r["execution_time"], 3)
        for r in results
        if r["unique_id"].startswith("model.")
    }


def minute_baseline(lines: list[bytes]) -> dict:
    """DuckDB on its own: the new minute's events aggregated per repository, straight from JSON."""
    import duckdb

    path = Path(tempfile.mkdtemp(prefix="ghintel-minute-")) / "minute.json"
    path.write_bytes(b"\n".join(lines))
    started = time.perf_counter()
    con = duckdb.connect()
    rows = con.execute(
        "select repo.id, count(*), count(*) filter (where type = 'WatchEvent') "
        "from read_json(?, format='newline_delimited', "
        "columns={'type': 'VARCHAR', 'repo': 'STRUCT(id BIGINT, name VARCHAR)'}) group by all",
        [str(path)],
    ).fetchall()
    seconds = time.perf_counter() - started
    con.close()
    shutil.rmtree(path.parent, ignore_errors=True)
    return {"seconds": round(seconds, 3), "repos": len(rows)}


def dims_full_rebuild(settings: Settings) -> dict:
    """The dims as they were before the key merges: rebuilt from all history."""
    from ghintel_pipeline.lib.gold.project import run_dbt

    result = run_dbt(settings, ["run", "--select", *DIM_MODELS, "--full-refresh"])
    per_model = model_seconds(settings)
    return {"success": result.success, "seconds": round(result.seconds, 3), "models": per_model}


def run_minute(settings: Settings, lines: list[bytes], label: str) -> dict:
    """One production minute: produce to Kafka, run_ingest (bronze -> silver), build_gold."""
    from ghintel_pipeline.lib.gold import build_gold
    from ghintel_pipeline.lib.kafka.broker import resolve_bootstrap
    from ghintel_pipeline.lib.kafka.producer import RawEventProducer
    from ghintel_pipeline.lib.lake.ingest import run_ingest

    with RawEventProducer(resolve_bootstrap(settings), settings.ghintel_topic) as producer:
        for line in lines:
            producer.send(line, None, [("source", b"gharchive"), ("hour", label.encode())])
        producer.flush()
    started, cpu = time.monotonic(), time.process_time()
    ingest = run_ingest(settings)
    ingest_seconds, ingest_cpu = time.monotonic() - started, time.process_time() - cpu
    started, cpu = time.monotonic(), time.process_time()
    gold = build_gold(settings, event_hours=ingest.silver.event_hours_touched)
    gold_seconds, gold_cpu = time.monotonic() - started, time.process_time() - cpu
    models = model_seconds(settings)
    return {
        "events": ingest.bronze.rows_written,
        "silver_written": ingest.silver.silver_written,
        "bronze_seconds": round(ingest.bronze.seconds, 3),
        "silver_seconds": round(ingest.silver.seconds, 3),
        "ingest_seconds": round(ingest_seconds, 3),
        # run_ingest's own clock stops before its after-silver hooks (topic publishing)
        "after_silver_hooks_seconds": round(ingest_seconds - ingest.seconds, 3),
        "gold_seconds": round(gold_seconds, 3),
        # CPU of this process (dbt and DuckDB run in it): the figure that stays meaningful when
        # other jobs share the cores; the broker's own CPU is not included
        "ingest_cpu_seconds": round(ingest_cpu, 3),
        "gold_cpu_seconds": round(gold_cpu, 3),
        "dbt_seconds": round(gold["dbt"]["seconds"], 3),
        "export_seconds": round(sum(m["seconds"] for m in gold["exported"].values()), 3),
        "export_per_mart": {k: m["seconds"] for k, m in gold["exported"].items()},
        "gold_mode": gold["mode"],
        "event_hours": gold["event_hours"],
        "total_seconds": round(ingest_seconds + gold_seconds, 3),
        "slowest_models": dict(sorted(models.items(), key=lambda kv: -kv[1])[:6]),
        "models": models,
    }


def run_gold_scale_bench(
    files: list[Path],
    *,
    sizes_hours: list[int],
    events_per_hour: int,
    minute_events: int,
    baseline: bool = True,
    workdir: Path | None = None,
    say: Callable[[str], None] = lambda _m: None,
) -> dict:
    from ghintel_pipeline.lib.gold import build_gold
    from ghintel_pipeline.lib.kafka.broker import free_port, start_broker, stop_broker

    own_dir = workdir is None
    work = Path(tempfile.mkdtemp(prefix="ghintel-bench-gold-")) if own_dir else workdir
    home = work / "home"
    settings = Settings(ghintel_home=home, ghintel_topic=TOPIC)
    result: dict = {
        "label": LABEL,
        "events_per_hour": events_per_hour,
        "minute_events": minute_events,
        "cpu_count": psutil.cpu_count(),
        "sizes": [],
    }
    # parse the dbt project now if it changed, not inside the first measured minute
    from ghintel_pipeline.lib.gold.project import ensure_manifest

    ensure_manifest()
    try:
        template = None
        for size in sorted(sizes_hours):
            # every size starts from a fresh lake holding only the history: a saved one when
            # --workdir kept it from an earlier run, else the largest shorter one, extended
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)
            start_broker(home, port=free_port(), topic=TOPIC, partitions=3)
            try:
                history: dict = {"reused": load_history(settings, work, size, events_per_hour)}
                if not history["reused"]:
                    shorter = [s for s in saved_sizes(work, events_per_hour) if s < size]
                    written = shorter[-1] if shorter else 0
                    if written:
                        load_history(settings, work, written, events_per_hour)
                    template = template if template is not None else template_hour(settings, files)
                    history |= extend_history(settings, template, written, size, events_per_hour, say)
                    save_history(settings, work, size, events_per_hour)
                started = time.monotonic()
                catch_up = build_gold(settings)
                say(f"{size} h: gold caught up ({catch_up['mode']}) in {time.monotonic() - started:.0f} s")
                lines = minute_lines(files, size, minute_events)
                minute = run_minute(settings, lines, f"bench-minute-{size}")
                row = {
                    "history_hours": size,
                    "history_events": (size * events_per_hour),
                    "history_write": history,
                    "catch_up_gold_seconds": round(time.monotonic() - started, 1),
                    "minute": minute,
                    "baseline_minute_duckdb": minute_baseline(lines),
                    "load_average": [round(x, 2) for x in psutil.getloadavg()],
                }
                if baseline:
                    row["baseline_dims_full_rebuild"] = dims_full_rebuild(settings)
                    incremental = sum(minute["models"].get(m, 0.0) for m in DIM_MODELS)
                    full = sum(row["baseline_dims_full_rebuild"]["models"].get(m, 0.0) for m in DIM_MODELS)
                    row["dims_incremental_seconds"] = round(incremental, 3)
                    ratio = round(full / incremental, 2) if incremental else None
                    row["ratio_dims_full_vs_incremental"] = ratio
            finally:
                stop_broker(home)
            result["sizes"].append(row)
            say(f"{size} h: {json.dumps({k: v for k, v in row.items() if k != 'minute'})}")
            say(f"{size} h minute: {json.dumps({k: v for k, v in minute.items() if k != 'models'})}")
    finally:
        if own_dir:
            shutil.rmtree(work, ignore_errors=True)
    result["load_average"] = [round(x, 2) for x in psutil.getloadavg()]
    return result
