"""Where the freshness benchmark's time went: the ingest runs in the Dagster instance.

Each probe (an event of ``ghintel bench freshness``) is matched with the ingest run that made it
visible, and its latency is cut at that run's marks, which add up exactly to the latency.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

INGEST_JOB = "ingest_github_events_job"
ACTIVE_STATUSES = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")
INGEST_STEP, GOLD_STEP = "ingest_github_events", "gold_dbt_models"
# Segments of a latency, each the time between two consecutive marks (so they add up exactly).
SILVER_MARKS = ["delivered", "run_created", "run_dequeued", "ingest_start", "ingest_end"]
GOLD_MARKS = [*SILVER_MARKS, "gold_start", "gold_end"]
SEGMENT_NAMES = {
    "run_created": "sensor wait (interval phase, tick, a run in progress)",
    "run_dequeued": "run queue (enqueue -> dequeued by the daemon)",
    "ingest_start": "run start-up (process, code location import, first step)",
    "ingest_end": "ingest step (Kafka -> bronze -> silver)",
    "gold_start": "asset checks before gold",
    "gold_end": "dbt gold build + Delta export",
    "silver_seen": "API notices silver (refresh + poll)",
    "gold_seen": "API notices gold (refresh + poll)",
}


@dataclass
class Probe:
    """One synthetic event and what happened to it."""

    event_id: str
    repo: str
    org: str
    round: int
    delivered: float | None = None
    silver_seen: float | None = None
    gold_seen: float | None = None
    marks: dict[str, float] = field(default_factory=dict)  # filled from the Dagster run
    run_id: str | None = None

    @property
    def silver_latency(self) -> float | None:
        return self.silver_seen - self.delivered if self.silver_seen and self.delivered else None

    @property
    def gold_latency(self) -> float | None:
        return self.gold_seen - self.delivered if self.gold_seen and self.delivered else None


# -- where the time went: the Dagster instance -------------------------------------------------


def ingest_runs(dagster_home: Path, since: float) -> list[dict]:
    """Marks (epoch seconds) of every ingest run created after ``since``, oldest first."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(dagster_home))
    try:
        records = instance.get_run_records(
            dg.RunsFilter(job_name=INGEST_JOB, created_after=datetime.fromtimestamp(since - 1, UTC)),
            limit=1000,
        )
        runs = []
        for record in records:
            run = record.dagster_run
            stats = instance.get_run_stats(run.run_id)
            steps = {s.step_key: s for s in instance.get_run_step_stats(run.run_id)}
            marks = {
                "run_created": record.create_timestamp.timestamp(),
                "run_enqueued": stats.enqueued_time,
                "run_dequeued": stats.launch_time,
                "run_start": stats.start_time,
                "run_end": stats.end_time,
            }
            for name, key in (("ingest", INGEST_STEP), ("gold", GOLD_STEP)):
                step = steps.get(key)
                marks[f"{name}_start"] = step.start_time if step else None
                marks[f"{name}_end"] = step.end_time if step else None
            tags = run.tags
            runs.append(
                {
                    "run_id": run.run_id,
                    "status": run.status.value,
                    "trigger": tags.get("ghintel/trigger"),
                    "marks": {k: v for k, v in marks.items() if v is not None},
                }
            )
        return sorted(runs, key=lambda r: r["marks"]["run_created"])
    finally:
        instance.dispose()


def attribute(probes: list[Probe], runs: list[dict]) -> None:
    """Each probe gets the marks of the run that made it visible: the last run whose ingest step
    started before the API showed the event in silver (silver commits land during the step, so the
    API can see the data before Dagster logs the step's end: that end is capped at the moment the
    API showed it, as gold's end is for gold)."""
    for probe in probes:
        if probe.silver_seen is None:
            continue
        candidates = [r for r in runs if r["marks"].get("ingest_start", math.inf) <= probe.silver_seen]
        if not candidates:
            continue
        run = max(candidates, key=lambda r: r["marks"]["ingest_start"])
        probe.run_id = run["run_id"]
        probe.marks = {"delivered": probe.delivered, **run["marks"], "silver_seen": probe.silver_seen}
        if "ingest_end" in probe.marks:
            probe.marks["ingest_end"] = min(probe.marks["ingest_end"], probe.silver_seen)
        if probe.gold_seen is not None:
            probe.marks["gold_seen"] = probe.gold_seen
            if "gold_end" in probe.marks:
                probe.marks["gold_end"] = min(probe.marks["gold_end"], probe.gold_seen)


def segments(probe: Probe, marks: list[str], seen: str) -> dict[str, float] | None:
    """Durations between consecutive marks, ending at the API seeing the event; None if a mark is missing."""
    chain = [*marks, seen]
    if any(probe.marks.get(m) is None for m in chain):
        return None
    return {chain[i]: probe.marks[chain[i]] - probe.marks[chain[i - 1]] for i in range(1, len(chain))}


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (no interpolation: with few samples p95 is the max, said plainly)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summarize(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50": percentile(values, 0.5),
        "p95": percentile(values, 0.95),
        "max": max(values) if values else None,
        "mean": sum(values) / len(values) if values else None,
    }


def breakdown(probes: list[Probe], marks: list[str], seen: str) -> dict[str, dict]:
    rows = [s for s in (segments(p, marks, seen) for p in probes) if s]
    return {name: summarize([r[name] for r in rows]) for name in (rows[0] if rows else {})}


def run_row(run: dict) -> dict:
    m = run["marks"]

    def span(a: str, b: str) -> float | None:
        return round(m[b] - m[a], 2) if a in m and b in m else None

    return {
        "run_id": run["run_id"][:8],
        "status": run["status"],
        "trigger": run["trigger"],
        "queue_s": span("run_created", "run_dequeued"),
        "startup_s": span("run_dequeued", "ingest_start"),
        "ingest_s": span("ingest_start", "ingest_end"),
        "checks_s": span("ingest_end", "gold_start"),
        "gold_s": span("gold_start", "gold_end"),
        "total_s": span("run_created", "run_end"),
    }
