"""``ghintel status``: one dict describing the platform, every part of it read independently.

Each section is computed on its own and reports ``{"error": ...}`` instead of failing the whole
status: a status command must work best exactly when things are broken.
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ghintel_pipeline.lib.kafka.broker import broker_status
from ghintel_pipeline.lib.platform.health import pipeline_health
from ghintel_pipeline.lib.platform.process import same_process_alive, tail
from ghintel_pipeline.lib.platform.services import dagster_home
from ghintel_pipeline.lib.platform.state import read_state, supervisor_running
from ghintel_pipeline.lib.settings import Settings

if TYPE_CHECKING:
    from ghintel_pipeline.lib.lake.offsets import IngestPlan


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds") if ts else None


class _Section:
    """One status section running on its own daemon thread, so that a section stuck on a dead
    broker never keeps the command from exiting; errors become ``{"error": ...}``."""

    def __init__(self, fn, *args, timeout_s: float = 20.0):
        self.timeout_s, self.deadline = timeout_s, time.monotonic() + timeout_s
        self.box: dict = {}

        def target() -> None:
            try:
                self.box["value"] = fn(*args)
            except Exception as exc:  # noqa: BLE001 - a status section must never take the command down
                self.box["value"] = {"error": f"{type(exc).__name__}: {exc}"}

        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()

    def result(self) -> dict:
        self.thread.join(max(0.0, self.deadline - time.monotonic()))
        return self.box.get("value", {"error": f"timed out after {self.timeout_s:.0f}s"})


def _guard(fn, *args, timeout_s: float = 20.0):
    """Run one status section with a time limit (see ``_Section``)."""
    return _Section(fn, *args, timeout_s=timeout_s).result()


def platform_section(settings: Settings) -> dict:
    state = read_state(settings.home)
    if state is None:
        return {"state": "never started", "children": {}}
    running = supervisor_running(settings.home) and state.supervisor_alive()
    phase = state.phase if running else ("stopped" if state.phase in ("stopped", "failed") else "crashed")
    children = {}
    for name, child in state.children.items():
        entry = {
            k: getattr(child, k)
            for k in ("state", "pid", "port", "url", "kind", "returncode", "stopped_by", "message", "log")
        }
        if child.state in ("starting", "running") and not same_process_alive(child.pid, child.create_time):
            entry["state"] = "dead"
            entry["last_lines"] = tail(Path(child.log))
        elif child.state in ("failed", "exited"):
            entry["last_lines"] = child.last_lines
        entry["started_at"], entry["ended_at"] = _iso(child.started_at), _iso(child.ended_at)
        children[name] = entry
    return {
        "state": phase,
        "detached": state.detached,
        "supervisor_pid": state.supervisor_pid if running else None,
        "started_at": _iso(state.started_at),
        "services": state.services,
        "source": state.source,
        "error": state.error,
        "children": children,
        "broker_owned": bool((state.broker or {}).get("owned")),
    }


def broker_section(settings: Settings) -> dict:
    if settings.kafka_bootstrap_servers:
        return {"state": "external", "bootstrap": settings.kafka_bootstrap_servers}
    status = broker_status(settings.home)
    return {
        k: v for k, v in status.items() if k in ("state", "bootstrap", "pid", "instance_id", "started_at")
    }


def producer_section(settings: Settings, platform: dict) -> dict:
    child = platform.get("children", {}).get("producer")
    section: dict = {"source": platform.get("source") or settings.ghintel_source}
    if child is not None:
        section.update({k: child.get(k) for k in ("state", "pid", "returncode", "message", "last_lines")})
    live = settings.home / "producer" / "live_status.json"
    # The file outlives the poller: show it only when the live source is the one configured.
    if live.exists() and section["source"].strip() in ("", "live"):
        try:
            section["live_status"] = json.loads(live.read_text())
        except ValueError as exc:
            section["live_status"] = {"error": f"unreadable {live.name}: {exc}"}
    if "state" not in section:
        section["state"] = "not started"
    return section


def lag_section(plan: IngestPlan) -> dict:
    partitions = {}
    for p, pp in plan.partitions.items():
        start = pp.stored_next_offset if pp.stored_next_offset is not None else pp.earliest_offset
        partitions[p] = {"next": start, "end": pp.end_offset, "lag": max(0, pp.end_offset - start)}
    return {
        "lag": plan.lag,
        "partitions": partitions,
        "has_new_data": plan.has_new_data,
        "broker_reset_suspected": plan.broker_reset_suspected,
        "reason": plan.reason,
    }


# = defs.jobs.INGEST_JOB_NAME (not imported: Dagster's import costs seconds; a test compares them).
# Only this job's runs count: a report or backfill run says nothing about ingestion.
INGEST_JOB = "ingest_github_events_job"


def webserver_url(platform: dict) -> str | None:
    """The URL of the Dagster webserver ``ghintel up`` runs, when it is running."""
    child = (platform.get("children") or {}).get("dagster-webserver") or {}
    return (
        child.get("url") if platform.get("state") == "running" and child.get("state") == "running" else None
    )


def dagster_section(settings: Settings, url: str | None = None) -> dict:
    """The last ingest run: asked from the running webserver at ``url`` (GraphQL, no Dagster import),
    else read from the instance's storage."""
    home = dagster_home(settings)
    if not (home / "dagster.yaml").exists():
        return {"last_run": None, "note": "no Dagster instance yet"}
    if url:
        import httpx

        from ghintel_pipeline.lib.platform import dagster_api

        try:
            return {"last_run": dagster_api.last_run(url, INGEST_JOB), "read_from": "webserver"}
        except (httpx.HTTPError, ValueError, KeyError, dagster_api.DagsterApiError):
            pass  # the webserver does not answer (yet): read the storage
    last = _last_run_sqlite(home) if not settings.ghintel_dagster_pg_url else _last_run_instance(home)
    return {"last_run": last, "read_from": "instance"}


def _last_run_sqlite(home: Path) -> dict | None:
    """The newest run read from the sqlite run storage directly: importing Dagster costs seconds."""
    import sqlite3

    db = home / "storage" / "history" / "runs.db"
    if not db.exists():
        return None
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
        row = conn.execute(
            "select run_id, pipeline_name, status, create_timestamp, start_time, end_time"
            " from runs where pipeline_name = ? order by id desc limit 1",
            (INGEST_JOB,),
        ).fetchone()
    if row is None:
        return None
    created = datetime.fromisoformat(row[3]).replace(tzinfo=UTC)
    return _run_dict(row[0], row[1], row[2], created, row[4], row[5])


def _last_run_instance(home: Path) -> dict | None:
    from dagster import DagsterInstance, RunsFilter

    with DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_run_records(filters=RunsFilter(job_name=INGEST_JOB), limit=1)
        if not records:
            return None
        record = records[0]
        run = record.dagster_run
        return _run_dict(
            run.run_id,
            run.job_name,
            run.status.value,
            record.create_timestamp,
            record.start_time,
            record.end_time,
        )


def _run_dict(
    run_id: str, job: str, status: str, created: datetime, start: float | None, end: float | None
) -> dict:
    return {
        "run_id": run_id,
        "job_name": job,
        "status": status,
        "created_at": created.isoformat(timespec="seconds"),
        "started_at": _iso(start),
        "ended_at": _iso(end),
    }


def _gold_location(settings: Settings, table: str) -> tuple[str, dict | None]:
    from ghintel_pipeline.lib.lake.storage import lake_table_uri, storage_options

    return lake_table_uri(settings, "gold", table), storage_options(settings)


def gold_table_names(settings: Settings) -> set[str]:
    """The gold tables to look at: the registered marts on object storage; on a local lake every
    gold table is a folder (reading the mart registry costs 0.2-0.3 s)."""
    if "://" in settings.lake_root:
        from ghintel_pipeline.lib.gold.marts import MART_NAMES

        return set(MART_NAMES)
    local_gold = Path(settings.lake_root) / "gold"
    if not local_gold.is_dir():
        return set()
    return {p.name for p in local_gold.iterdir() if (p / "_delta_log").is_dir()}


def gold_section(settings: Settings) -> dict:
    """Freshness of the gold layer: the newest commit over the gold Delta tables."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    names = gold_table_names(settings)
    tables, stamps = {}, {}
    for name in sorted(names):
        uri, options = _gold_location(settings, name)
        try:
            dt = DeltaTable(uri, storage_options=options)
        except TableNotFoundError:
            continue
        stamps[name] = dt.history(1)[0]["timestamp"] / 1000  # epoch ms of the latest commit
        tables[name] = {"version": dt.version(), "committed_at": _iso(stamps[name])}
    if not tables:
        return {"newest": None, "tables": {}}
    newest = max(stamps, key=stamps.__getitem__)
    return {
        "newest": {"table": newest, **tables[newest], "age_s": round(time.time() - stamps[newest], 1)},
        "tables": tables,
    }


def platform_status(settings: Settings, *, deep: bool = True) -> dict:
    """Everything ``ghintel status`` shows. ``deep=False`` skips lag, Dagster and gold (the slow parts)."""
    platform = _guard(platform_section, settings)
    broker = _guard(broker_section, settings)
    result = {
        "platform": platform,
        "broker": broker,
        "producer": _guard(producer_section, settings, platform if "children" in platform else {}),
    }
    if deep:
        # The deep sections wait on the broker, the webserver and the lake: all at once.
        reachable = broker.get("state") in ("running", "external")
        url = webserver_url(platform)
        sections = {
            "dagster": _Section(dagster_section, settings, url, timeout_s=60),
            "gold": _Section(gold_section, settings, timeout_s=60),
            "lag+health": _Section(lag_and_health_sections, settings, url, reachable, timeout_s=60),
        }
        both = sections.pop("lag+health").result()
        result["lag"] = both.get("lag", both)
        result.update({name: section.result() for name, section in sections.items()})
        result["health"] = both.get("health", both)
    return result


def lag_and_health_sections(settings: Settings, url: str | None, reachable: bool) -> dict:
    """One ingest plan (Kafka offsets against the Delta log) for both the lag and the health."""
    from ghintel_pipeline.lib.lake.offsets import plan_ingest

    plan, lag = None, {"error": "no reachable broker"}
    if reachable:
        try:
            plan = plan_ingest(settings)
            lag = lag_section(plan)
        except Exception as exc:  # noqa: BLE001 - shown as this section's error, as _guard does
            lag = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        health = health_section(settings, url, plan)
    except Exception as exc:  # noqa: BLE001
        health = {"error": f"{type(exc).__name__}: {exc}"}
    return {"lag": lag, "health": health}


def health_section(settings: Settings, url: str | None = None, plan: IngestPlan | None = None) -> dict:
    """The reasons behind ``degraded`` (the same function ``/health`` calls) and the failed checks;
    ``url``: the running Dagster webserver to read the checks from; ``plan``: the lag's plan."""
    health = pipeline_health(settings, dagster_url=url, plan=plan)
    failed = [c for c in health.checks if "error" not in c and not c["passed"]]
    return {
        "status": "degraded" if health.degraded else "ok",
        "reasons": [{"code": r.code, "message": r.message} for r in health.reasons],
        "failed_checks": failed,
        "quarantine": health.quarantine,
    }
