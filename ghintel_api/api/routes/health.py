from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ghintel_api.api.deps import NO_QUERY_PARAMS, LakeDep, api_key_scheme, api_router
from ghintel_api.core.lake import INDEX_TABLES, Lake, TableState
from ghintel_api.core.windows import HOUR
from ghintel_api.models import HealthPublic, HealthReason, HealthStatusPublic, TableHealth

router = api_router("system", dependencies=[])


def _marts_loaded(lake: Lake) -> tuple[int, int]:
    marts = [s for s in lake.tables.values() if s.logical not in INDEX_TABLES]
    return sum(s.physical is not None for s in marts), len(marts)


def lake_status(lake: Lake) -> str:
    loaded, total = _marts_loaded(lake)
    if loaded == 0:
        return "empty"
    return "ok" if loaded == total and lake.silver.version is not None else "degraded"


def _table(state: TableState) -> TableHealth:
    return TableHealth(
        version=state.version, rows=state.rows, loaded_at=state.loaded_at, last_commit=state.last_commit
    )


def with_pipeline(lake: Lake, pipeline) -> tuple[str, list[HealthReason]]:
    """The lake's status made ``degraded`` by the pipeline's reasons (lib.platform.health)."""
    status = lake_status(lake)
    reasons = [HealthReason(code=r.code, message=r.message) for r in pipeline.reasons]
    if status == "degraded":
        loaded, total = _marts_loaded(lake)
        reasons.append(HealthReason(code="tables", message=f"{loaded} of {total} gold marts loaded"))
    if status == "ok" and reasons:
        status = "degraded"
    return status, reasons


def lake_inventory(lake: Lake, status: str, **pipeline) -> HealthPublic:
    tables = {f"gold.{s.logical}": _table(s) for s in lake.tables.values()}
    tables["silver.github_events"] = _table(lake.silver)
    now = datetime.now(UTC)
    newest, silver = lake.newest_hour, lake.silver
    return HealthPublic(
        status=status,
        **pipeline,
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
    """Status for anyone (``degraded`` when the pipeline is paused, lagging, a blocking check failed or
    too much is quarantined); with a valid X-API-Key (or when no keys are configured) also the reasons,
    the quarantine share, the Kafka lag, the loaded Delta versions, rows, load and commit times, the
    newest hour, the last ingest and ages."""
    pipeline = await request.app.state.health.current()
    status, reasons = with_pipeline(lake, pipeline)
    if status == "empty":
        response.status_code = 503
    if not request.scope.get("ghintel.authorized", True):
        return HealthStatusPublic(status=status)
    return lake_inventory(
        lake,
        status,
        reasons=reasons,
        quarantine=pipeline.quarantine or None,
        kafka_lag=pipeline.kafka.get("lag"),
    )


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
    metrics.reloads.set(lake.reloads)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
