"""The amplified silver history of ``ghintel bench gold-scale``, written fast.

The template is one 2025-shaped hour of ``benchmarks.workload`` (every shared 2015 hour replayed
once into it, payloads trimmed as since 2025-10-07), validated once by the production contract
(``validate_rows``, the code bronze -> silver runs). Every history hour is then ``copies`` shifted
replicas of it, made with Arrow compute instead of re-parsing JSON: event ids get a prefix that
grows with time (new ids sort after old ones, as GitHub's do),
``created_at`` / ``event_hour`` / ``event_date`` move to the target hour, and repo / actor / org ids
move to another id range per copy. Half of the copies keep the same entities every day (recurring
repositories and people), the other half get new ones each day, so the dims grow with history as
a real lake's do. The rows are written with the production silver writer (``merge_events``), a few
hours per commit. Everything this module writes is labelled an amplified replay.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from benchmarks.workload import HOUR0, _hour_lines
from ghintel_pipeline.lib.lake.silver import merge_events, validate_rows
from ghintel_pipeline.lib.lake.storage import BRONZE_SCHEMA, SILVER, ensure_table, lake_table_uri
from ghintel_pipeline.lib.settings import Settings
from ghintel_pipeline.lib.topics.publish import published_app_id, record

START = HOUR0
MINUTE_COPIES = 100_000  # workload copy numbers of the measured minutes: far above the template's
ENTITY_SHIFT = 1_000_000_000  # 2015 repo/actor/org ids are < 10^9
HOURS_PER_COMMIT = 3
LABEL = "amplified replay of the shared 2015 hours, 2025-shaped (ids, entities and times shifted)"


def template_hour(settings: Settings, files: list[Path]) -> pa.Table:
    """One copy of every source hour as a 2025-shaped hour of silver rows (contract-validated)."""
    lines = list(_hour_lines(files, START, 0, 1))
    n = len(lines)
    rows = pa.table(
        {
            "value": pa.array(lines, pa.binary()),
            "source": pa.array(["gharchive"] * n, pa.string()),
            "kafka_topic": pa.nulls(n, pa.string()),
            "kafka_partition": pa.nulls(n, pa.int32()),
            "kafka_offset": pa.array(range(n), pa.int64()),
            "kafka_epoch": pa.nulls(n, pa.int32()),
            "gharchive_hour": pa.array([f"{START:%Y-%m-%d}-{START.hour}"] * n, pa.string()),
            "line_number": pa.array(range(n), pa.int64()),
            "ingested_at": pa.array([dt.datetime.now(dt.UTC)] * n, BRONZE_SCHEMA.field("ingested_at").type),
        }
    )
    return validate_rows(settings, rows).events


def _shift_ids(column: pa.ChunkedArray, shift: int) -> pa.ChunkedArray:
    return pc.add(column, pa.scalar(shift, column.type)) if shift else column


def _suffix(column: pa.ChunkedArray, entity: int) -> pa.ChunkedArray:
    return pc.binary_join_element_wise(column, pa.scalar(f"-x{entity}"), "") if entity else column


def replica(
    events: pa.Table, source_hour: dt.datetime, target_hour: dt.datetime, tag: str, entity: int
) -> pa.Table:
    """One copy of a template hour moved to ``target_hour``, ids prefixed with ``tag``, entities
    moved to id range ``entity`` (0 = the original ids and names)."""
    delta = pa.scalar(target_hour - source_hour, pa.duration("us"))
    out = events
    columns = {
        "event_id": pc.binary_join_element_wise(pa.scalar(tag), events.column("event_id"), ""),
        "created_at": pc.add(events.column("created_at"), delta),
        "event_hour": pc.add(events.column("event_hour"), delta),
    }
    columns["event_date"] = pc.cast(columns["created_at"], pa.date32())
    for name in ("repo_id", "actor_id", "org_id"):
        columns[name] = _shift_ids(events.column(name), entity * ENTITY_SHIFT)
    for name in ("repo_name", "actor_login", "org_login"):
        columns[name] = _suffix(events.column(name), entity)
    for name, values in columns.items():
        index = out.schema.get_field_index(name)
        out = out.set_column(index, out.schema.field(name), pc.cast(values, out.schema.field(name).type))
    return out


def history_hour(events: pa.Table, hour_index: int, events_per_hour: int) -> pa.Table:
    """``events_per_hour`` events (rounded up to whole copies) for history hour ``hour_index``."""
    copies = math.ceil(events_per_hour / events.num_rows)
    day = hour_index // 24
    target = START + dt.timedelta(hours=hour_index)
    parts = []
    for copy in range(copies):
        # first half: the same entities every day; second half: new entities each day
        entity = copy if copy < copies // 2 else copies * (day + 1) + copy
        parts.append(replica(events, START, target, f"{hour_index + 1:04d}{copy:03d}", entity))
    table = pa.concat_tables(parts)
    return table.slice(0, events_per_hour) if table.num_rows > events_per_hour else table


def extend_history(
    settings: Settings,
    template: pa.Table,
    first_hour: int,
    last_hour: int,
    events_per_hour: int,
    say: Callable[[str], None],
) -> dict:
    """Write history hours [first_hour, last_hour) to silver with the production silver writer."""
    started, events, commits = time.monotonic(), 0, 0
    for chunk in range(first_hour, last_hour, HOURS_PER_COMMIT):
        hours = range(chunk, min(chunk + HOURS_PER_COMMIT, last_hour))
        table = pa.concat_tables([history_hour(template, h, events_per_hour) for h in hours])
        meta = {"ghintel.operation": "bench_gold_scale_history", "ghintel.note": LABEL}
        events += merge_events(ensure_table(settings, SILVER), table, [], meta)
        commits += 1
        say(f"history: hours {first_hour}..{hours[-1]} in silver ({events:,} events)")
    mark_published(settings)
    return {"events": events, "commits": commits, "seconds": round(time.monotonic() - started, 1)}


def mark_published(settings: Settings) -> None:
    """A live lake published each minute as it came; the history is not sent to the clean topic."""
    version = ensure_table(settings, SILVER).version()
    record(settings, published_app_id(settings.ghintel_clean_topic), version, {"ghintel.operation": LABEL})


def _link_tree(source: Path, target: Path) -> None:
    """Copy a Delta table: data files are immutable, so hard links; the log is copied."""
    for folder, _dirs, names in os.walk(source):
        rel = Path(folder).relative_to(source)
        (target / rel).mkdir(parents=True, exist_ok=True)
        for name in names:
            copy = shutil.copy2 if "_delta_log" in rel.parts else os.link
            copy(Path(folder) / name, target / rel / name)


def snapshot_dir(workdir: Path, size: int, events_per_hour: int) -> Path:
    return workdir / "history" / f"{events_per_hour}-per-hour" / f"{size}h"


def save_history(settings: Settings, workdir: Path, size: int, events_per_hour: int) -> None:
    """Keep silver as it is after ``size`` history hours, for later runs (``--workdir``)."""
    target = snapshot_dir(workdir, size, events_per_hour)
    shutil.rmtree(target, ignore_errors=True)
    _link_tree(Path(lake_table_uri(settings, *SILVER)), target)


def load_history(settings: Settings, workdir: Path, size: int, events_per_hour: int) -> bool:
    """Silver of a saved history of ``size`` hours into this (empty) lake; False if none is saved."""
    source = snapshot_dir(workdir, size, events_per_hour)
    if not (source / "_delta_log").is_dir():
        return False
    _link_tree(source, Path(lake_table_uri(settings, *SILVER)))
    mark_published(settings)
    return True


def saved_sizes(workdir: Path, events_per_hour: int) -> list[int]:
    folder = snapshot_dir(workdir, 0, events_per_hour).parent
    return sorted(int(p.name[:-1]) for p in folder.glob("*h")) if folder.is_dir() else []


def minute_lines(files: list[Path], hour_index: int, minute_events: int) -> list[bytes]:
    """Raw 2025-shaped lines for the first minute of history hour ``hour_index``: the shared hours'
    own first minute, replayed by ``benchmarks.workload`` (new ids above every history id) as many
    times as it takes. Their repositories and actors are the recurring ones of the history, as a
    live minute touches mostly known entities."""
    import orjson

    target = START + dt.timedelta(hours=hour_index)
    out: list[bytes] = []
    copy = MINUTE_COPIES + hour_index * 100
    while len(out) < minute_events:
        out.extend(
            line
            for line in _hour_lines(files, target, copy, 1)
            if orjson.loads(line)["created_at"][14:16] == "00"
        )
        copy += 1
    return out[:minute_events]
