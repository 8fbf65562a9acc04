from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ghintel_api.api.deps import LakeDep, api_key_scheme
from ghintel_api.core.windows import HOUR
from ghintel_api.models import HealthPublic, HealthReason, TableHealth

router = APIRouter(tags=["system"])


@router.get(
    "/health",
    response_model=HealthPublic,
    operation_id="getHealth",
    responses={503: {"model": HealthPublic, "description": "No gold table is loaded yet (not ready)"}},
)
def get_health(lake: LakeDep, request: Request, response: Response) -> HealthPublic:
    """Liveness, freshness and pipeline health: loaded Delta versions, the newest hour, the last ingest,
    and why the pipeline is degraded (paused, lagging, failed blocking check, quarantine share)."""
    tables = {
        f"gold.{s.logical}": TableHealth(
            version=s.version, rows=s.rows, loaded_at=s.loaded_at, last_commit=s.last_commit
        )
        for s in lake.tables.values()
    }
    silver = lake.silver
    tables["silver.github_events"] = TableHealth(
        version=silver.version, rows=silver.rows, loaded_at=silver.loaded_at, last_commit=silver.last_commit
    )
    loaded = sum(s.physical is not None for s in lake.tables.values())
    pipeline = request.app.state.health.get()
    reasons = [HealthReason(code=r.code, message=r.message) for r in pipeline.reasons]
    if loaded < len(lake.tables) or silver.version is None:
        reasons.append(
            HealthReason(code="tables", message=f"{loaded} of {len(lake.tables)} gold tables loaded")
        )
    status = "degraded" if reasons else "ok"
    if loaded == 0:
        status = "empty"
        response.status_code = 503
    now = datetime.now(UTC)
    newest = lake.newest_hour
    return HealthPublic(
        status=status,
        reasons=reasons,
        quarantine=pipeline.quarantine or None,
        kafka_lag=pipeline.kafka.get("lag"),
        tables=tables,
        newest_hour=newest,
        last_ingest=silver.last_commit,
        ingest_age_seconds=(now - silver.last_commit).total_seconds() if silver.last_commit else None,
        data_age_seconds=(now - (newest + HOUR)).total_seconds() if newest else None,
        reloads=lake.reloads,
    )


@router.get(
    "/metrics",
    operation_id="getMetrics",
    dependencies=[Depends(api_key_scheme)],
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "Prometheus text exposition format",
        }
    },
)
def get_metrics(request: Request, lake: LakeDep) -> Response:
    """Prometheus metrics of this API process."""
    metrics = request.app.state.metrics
    for name, version in lake.versions().items():
        if version is not None:
            metrics.table_version.labels(name).set(version)
    for state in lake.tables.values():
        metrics.table_rows.labels(f"gold.{state.logical}").set(state.rows)
    metrics.table_rows.labels("silver.github_events").set(lake.silver.rows)
    metrics.table_rows.labels("api.actor_org_hourly").set(lake.actor_hour_rows)
    metrics.reloads.set(lake.reloads)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
