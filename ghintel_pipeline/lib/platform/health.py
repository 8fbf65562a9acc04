"""Why the pipeline is not healthy right now: the reasons behind ``degraded`` in ``/health`` and
``ghintel status``. Rules (docs/operations.md, "Health"):

- ``paused``: the Kafka log no longer matches bronze's offsets (a broker reset on an external
  cluster, or an embedded broker not restarted by ``ghintel up``): the sensor skips every tick.
- ``lagging``: more than ``GHINTEL_HEALTH_MAX_LAG`` records wait in Kafka (true log end, see
  ``log_end_offsets``).
- ``check_failed``: the latest evaluation of a *blocking* asset check failed (its downstream assets
  were not materialized).
- ``quarantine``: the share of records quarantined in the last 24 h exceeds
  ``GHINTEL_MAX_QUARANTINE_SHARE`` (the same rule as the asset check).

A part that cannot be read (no broker reachable from this process, no Dagster instance) is reported
as unknown and adds no reason: health judges what it can see.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import httpx

from ghintel_pipeline.lib.settings import Settings

if TYPE_CHECKING:
    from ghintel_pipeline.lib.lake.offsets import IngestPlan


@dataclass
class Reason:
    code: str  # paused | lagging | check_failed | quarantine
    message: str


@dataclass
class PipelineHealth:
    reasons: list[Reason] = field(default_factory=list)
    kafka: dict = field(default_factory=dict)
    checks: list[dict] = field(default_factory=list)
    quarantine: dict = field(default_factory=dict)
    computed_at: float = 0.0

    @property
    def degraded(self) -> bool:
        return bool(self.reasons)

    def to_dict(self) -> dict:
        return {**asdict(self), "degraded": self.degraded}


def kafka_health(settings: Settings, reasons: list[Reason], plan: IngestPlan | None = None) -> dict:
    """``plan``: an ingest plan the caller already made (``ghintel status`` shows it as the lag)."""
    from ghintel_pipeline.lib.lake import plan_ingest

    try:
        plan = plan or plan_ingest(settings)
    except Exception as exc:  # noqa: BLE001 - no broker reachable from here: unknown, not a reason
        return {"state": "unknown", "error": f"{type(exc).__name__}: {exc}"[:300]}
    if plan.broker_reset_suspected:
        reasons.append(Reason("paused", f"ingestion paused: broker reset suspected ({plan.reason})"))
    elif plan.lag > settings.ghintel_health_max_lag:
        reasons.append(
            Reason("lagging", f"{plan.lag} records wait in Kafka (limit {settings.ghintel_health_max_lag})")
        )
    return {
        "state": "paused" if plan.broker_reset_suspected else "ok",
        "lag": plan.lag,
        "reason": plan.reason,
    }


def latest_check_results(settings: Settings, limit: int = 500, dagster_url: str | None = None) -> list[dict]:
    """The newest evaluation of every asset check recorded in ``$GHINTEL_HOME/dagster``.

    Asked from the running webserver at ``dagster_url`` when given (no Dagster import, see
    ``lib.platform.dagster_api``); from the instance when none answers."""
    from ghintel_pipeline.lib.dagster_instance import dagster_home

    if dagster_url:
        from ghintel_pipeline.lib.platform import dagster_api

        try:
            return dagster_api.latest_check_results(dagster_url)
        except (httpx.HTTPError, ValueError, KeyError, dagster_api.DagsterApiError):
            pass  # no webserver answering (or an unexpected answer): read the instance
    home = dagster_home(settings)
    if not (home / "dagster.yaml").exists():
        return []
    import dagster as dg

    latest: dict[tuple, dict] = {}
    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_event_records(
            dg.EventRecordsFilter(event_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION),
            limit=limit,
            ascending=False,
        )
        for record in records:
            evaluation = record.event_log_entry.dagster_event.event_specific_data
            key = (evaluation.asset_key.to_user_string(), evaluation.check_name)
            if key in latest:
                continue
            latest[key] = {
                "asset": key[0],
                "check": key[1],
                "passed": evaluation.passed,
                "blocking": bool(evaluation.blocking),
                "severity": evaluation.severity.value,
                "at": dt.datetime.fromtimestamp(record.timestamp, dt.UTC).isoformat(timespec="seconds"),
            }
    return sorted(latest.values(), key=lambda c: (c["asset"], c["check"]))


def pipeline_health(
    settings: Settings,
    *,
    kafka: bool = True,
    dagster_url: str | None = None,
    plan: IngestPlan | None = None,
) -> PipelineHealth:
    """Compute every reason now (Kafka metadata + one tail fetch, the Dagster event log, a count).

    ``dagster_url``: a running Dagster webserver to read the check results from (see
    ``latest_check_results``); ``plan``: an ingest plan already made (else one is made here)."""
    from ghintel_pipeline.lib.lake.quality import quarantine_share

    health = PipelineHealth(computed_at=time.time())
    if kafka:
        health.kafka = kafka_health(settings, health.reasons, plan)
    try:
        health.checks = latest_check_results(settings, dagster_url=dagster_url)
    except Exception as exc:  # noqa: BLE001 - an unreadable instance is unknown, not a reason
        health.checks = [{"error": f"{type(exc).__name__}: {exc}"[:300]}]
    for check in health.checks:
        if check.get("blocking") and not check.get("passed"):
            health.reasons.append(
                Reason(
                    "check_failed",
                    f"blocking check {check['asset']}:{check['check']} failed at {check['at']}",
                )
            )
    share = quarantine_share(settings, dt.datetime.now(dt.UTC), dt.timedelta(hours=24))
    share["threshold"] = settings.ghintel_max_quarantine_share
    health.quarantine = share
    if share["share"] > share["threshold"]:
        health.reasons.append(
            Reason(
                "quarantine",
                f"{share['share']:.1%} of the records of the last 24 h were quarantined "
                f"(limit {share['threshold']:.1%}; see /quality/quarantine)",
            )
        )
    return health


class HealthCache:
    """``pipeline_health`` at most every ``ttl_s`` per process: ``/health`` is polled often."""

    def __init__(self, settings, ttl_s: float = 15.0):
        # The API hands its own slice (ApiSettings); health also needs the broker, checks and
        # platform slices: the union, with the API's values kept.
        if not isinstance(settings, Settings):
            settings = Settings(**settings.model_dump())
        self.settings, self.ttl_s = settings, ttl_s
        self._value: PipelineHealth | None = None
        self._lock = threading.Lock()

    def get(self) -> PipelineHealth:
        with self._lock:
            if self._value is None or time.time() - self._value.computed_at > self.ttl_s:
                self._value = pipeline_health(self.settings)
            return self._value

    async def current(self) -> PipelineHealth:
        """For an async route: never blocks the event loop. A stale value is returned at once while
        a thread refreshes it; only the very first call waits (in a thread) for a value."""
        value = self._value
        if value is None:
            return await asyncio.to_thread(self.get)
        if time.time() - value.computed_at > self.ttl_s and not self._lock.locked():
            threading.Thread(target=self.get, name="health-refresh", daemon=True).start()
        return value


class HealthWatcher:
    """Recomputes ``pipeline_health`` every ``interval_s`` on a daemon thread and reports each change
    of the reasons through ``echo`` (the ``ghintel up`` console): degraded when it happens, ok again
    when it clears."""

    def __init__(self, settings: Settings, echo, interval_s: float = 30.0):
        self.settings, self.echo, self.interval_s = settings, echo, interval_s
        self._stop = threading.Event()
        self._last: list[str] | None = None
        self._thread = threading.Thread(target=self._run, name="health-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def check_once(self) -> None:
        try:
            reasons = [f"{r.code}: {r.message}" for r in pipeline_health(self.settings).reasons]
        except Exception as exc:  # noqa: BLE001 - a watcher must never take the supervisor down
            reasons = [f"unknown: health could not be computed ({type(exc).__name__}: {exc})"]
        if reasons != self._last:
            if reasons:
                self.echo("health: DEGRADED -- " + "; ".join(reasons))
            elif self._last:
                self.echo("health: ok again")
            self._last = reasons

    def _run(self) -> None:
        # The first check right away: a platform that starts degraded says so at once.
        while not self._stop.wait(self.interval_s if self._last is not None else 0.0):
            self.check_once()
