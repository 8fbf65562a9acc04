from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ghintel_api.api.deps import NO_QUERY_PARAMS, LakeDep, api_key_scheme
from ghintel_api.core.lake import Lake, TableState
from ghintel_api.core.windows import HOUR
from ghintel_api.models import HealthPublic, HealthStatusPublic, TableHealth

router = APIRouter(tags=["system"])


def lake_status(lake: Lake) -> str:
    loaded = sum(s.physical is not None for s in lake.tables.values())
    if loaded == 0:
        return "empty"
    return "ok" if loaded == len(lake.tables) and lake.silver.version is not None else "degraded"


def _table(state: TableState) -> TableHealth:
    return TableHealth(
        version=state.version, rows=state.rows, loaded_at=state.loaded_at, last_commit=state.last_commit
    )


def lake_inventory(lake: Lake, status: str) -> HealthPublic:
    tables = {f"gold.{s.logical}": _table(s) for s in lake.tables.values()}
    tables["silver.github_events"] = _table(lake.silver)
    now = datetime.now(UTC)
    newest, silver = lake.newest_hour, lake.silver
    return HealthPublic(
        status=status,
        tables=tables,
        newest_hour=newest,
        last_ingest=silver.last_commit,
        ingest_age_seconds=(now - silver.last_commit).total_seconds() if silver.last_commit else None,
        data_age_seconds=(now - (newest + HOUR)).total_seconds() if newest else None,
        reloads=lake.reloads,
    )


# async: it runs on the event loop, never waiting for a worker thread behind queries.
@router.get(
    "/health",
    response_model=HealthPublic | HealthStatusPublic,
    operation_id="getHealth",
    dependencies=[NO_QUERY_PARAMS],
    responses={503: {"model": HealthStatusPublic, "description": "No gold table is loaded yet"}},
)
async def get_health(
    request: Request, lake: LakeDep, response: Response
) -> HealthPublic | HealthStatusPublic:
    """Status for anyone; with a valid X-API-Key (or when no keys are configured) also the loaded
    Delta versions, rows, load and commit times, the newest hour, the last ingest and ages."""
    status = lake_status(lake)
    if status == "empty":
        response.status_code = 503
    if not request.scope.get("ghintel.authorized", True):
        return HealthStatusPublic(status=status)
    return lake_inventory(lake, status)


@router.get(
    "/metrics",
    operation_id="getMetrics",
    dependencies=[Depends(api_key_scheme), NO_QUERY_PARAMS],
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
