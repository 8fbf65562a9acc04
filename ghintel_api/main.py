"""The ghintel API: FastAPI over the gold marts (and silver events) in a hardened in-memory DuckDB.

Run with ``ghintel api`` or ``uvicorn ghintel_api.main:create_app --factory``.
"""

from __future__ import annotations

import gc
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException

from ghintel_api.api.deps import NotModified
from ghintel_api.api.params import QUERY_MODELS
from ghintel_api.api.routes import (
    actors,
    anomalies,
    ask,
    entities,
    events,
    health,
    orgs,
    quality,
    repos,
    search,
    stargazers,
    streams,
    trending,
)
from ghintel_api.core.config import get_settings, parse_api_keys, parse_rate_limit
from ghintel_api.core.cursors import BadCursor
from ghintel_api.core.guard import (
    Admission,
    AdmissionMiddleware,
    QueryNormalizeMiddleware,
    default_caps,
    set_thread_limit,
    typed_fields,
)
from ghintel_api.core.lake import Lake, LakeNotReady, QueryTimeout
from ghintel_api.core.middleware import DOCS_STATIC, AccessMiddleware, ResponseCacheMiddleware
from ghintel_api.core.observability import (
    ApiMetrics,
    RequestContextMiddleware,
    configure_logging,
    request_id_var,
)
from ghintel_api.core.security import AuthThrottle, TokenBuckets
from ghintel_api.core.streams import StreamHub, stream_settings
from ghintel_api.core.windows import BadTime
from ghintel_api.models import ErrorPublic, ValidationErrorPublic
from ghintel_api.ui.router import install as install_ui
from ghintel_pipeline.lib.platform.health import HealthCache
from ghintel_pipeline.lib.settings import ApiSettings

log = logging.getLogger("ghintel.api")

_ERRORS = {
    400: {"model": ErrorPublic, "description": "Malformed request, e.g. two X-API-Key headers"},
    401: {"model": ErrorPublic, "description": "Missing or invalid X-API-Key"},
    422: {"model": ValidationErrorPublic, "description": "Invalid, unknown or repeated parameter"},
    429: {
        "model": ErrorPublic,
        "description": "Rate limit, concurrency cap of this client, or too many wrong keys (see Retry-After)",
    },
    503: {
        "model": ErrorPublic,
        "description": "Lake table not available yet, query timeout, or the API is at its concurrency cap",
    },
}


def _error(status: int, error: str, message: str, headers: dict | None = None, **extra) -> JSONResponse:
    body = {"error": error, "message": message, "request_id": request_id_var.get(), **extra}
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path"))
        parts.append(f"{where}: {err.get('msg')}")
    return "; ".join(parts) or "invalid request"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError):
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors()
        ]
        return _error(422, "validation_error", _validation_message(exc), detail=detail)

    @app.exception_handler(BadTime)
    @app.exception_handler(BadCursor)
    async def on_bad_value(request: Request, exc: ValueError):
        return _error(422, "validation_error", str(exc), detail=[])

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException):
        # Starlette's own 404 (no such route) and 405 arrive here too, so they get the envelope.
        names = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}
        return _error(
            exc.status_code, names.get(exc.status_code, "http_error"), str(exc.detail), headers=exc.headers
        )

    @app.exception_handler(NotModified)
    async def on_not_modified(request: Request, exc: NotModified):
        return Response(status_code=304, headers={"ETag": exc.etag, "Cache-Control": exc.cache_control})

    @app.exception_handler(LakeNotReady)
    async def on_not_ready(request: Request, exc: LakeNotReady):
        return _error(503, "lake_not_ready", str(exc), headers={"Retry-After": "30"})

    @app.exception_handler(QueryTimeout)
    async def on_timeout(request: Request, exc: QueryTimeout):
        request.app.state.metrics.query_timeouts.inc()
        log.warning("query_timeout", extra={"path": request.url.path})
        return _error(503, "query_timeout", str(exc), headers={"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception):
        log.exception("unhandled_error", extra={"path": request.url.path})
        return _error(500, "internal_error", "internal error; quote the request_id when reporting it")


def _drop_security_from_openapi(app: FastAPI) -> None:
    """Without configured keys nothing needs X-API-Key, so the schema must not ask for it."""
    build = app.openapi

    def openapi() -> dict:
        schema = build()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                operation.pop("security", None)
        schema.get("components", {}).pop("securitySchemes", None)
        return schema

    app.openapi = openapi


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # A lake set on app.state beforehand (an embedding process, a test) is used as it is.
        # Few threads: every extra one only contends for the GIL while DuckDB runs (see core/guard.py).
        set_thread_limit(settings.ghintel_api_threads)
        lake = getattr(app.state, "lake", None)
        owned = lake is None
        if owned:
            lake = Lake(settings)
            lake.open()
            app.state.lake = lake
        # What exists now (the framework, the routes, the loaded copies) lives as long as the
        # process: out of the cyclic GC's reach, a full collection no longer walks it (110 ms
        # pauses of every request under load; docs/api.md, "Garbage collector").
        gc.collect()
        gc.freeze()
        log.info("api_started", extra={"tables": lake.versions()})
        try:
            yield
        finally:
            app.state.streams.close()
            if owned:
                lake.close()

    # Swagger UI's JavaScript and CSS are served by the API itself (fastapi-offline ships them): the
    # default page loads them from a CDN and stays blank without internet access.
    app = FastAPIOffline(
        static_url=DOCS_STATIC,
        title="ghintel API",
        version="1.0.0",
        summary="Trending repositories, activity, actors and anomalies over GitHub public events.",
        lifespan=lifespan,
        responses=_ERRORS,
    )
    metrics = ApiMetrics()
    limit = parse_rate_limit(settings.ghintel_api_rate_limit)
    api_keys = parse_api_keys(settings.ghintel_api_keys)
    app.state.settings = settings
    app.state.health = HealthCache(settings)
    app.state.metrics = metrics
    app.state.api_keys = api_keys
    app.state.buckets = TokenBuckets(limit) if limit else None
    app.state.streams = StreamHub(stream_settings(settings), metrics)
    scope = "private" if api_keys else "public"
    app.state.cache_control = f"{scope}, max-age={settings.ghintel_api_cache_max_age}"
    _install_error_handlers(app)
    if not api_keys:
        _drop_security_from_openapi(app)
    for module in (
        trending,
        orgs,
        repos,
        stargazers,
        actors,
        anomalies,
        events,
        quality,
        search,
        ask,
        entities,
        health,
        streams,
    ):
        app.include_router(module.router)
    install_ui(app)
    caps = default_caps(
        settings.ghintel_api_max_concurrent_queries, settings.ghintel_api_max_concurrent_per_client
    )
    app.state.admission = Admission(*caps)
    # Starlette runs the last added middleware first: context/logging, access, canonical query,
    # cache + single-flight, and the concurrency cap right in front of the routes.
    app.add_middleware(AdmissionMiddleware, admission=app.state.admission, metrics=metrics)
    cache_bytes = settings.ghintel_api_response_cache_mb << 20
    app.add_middleware(ResponseCacheMiddleware, max_bytes=cache_bytes, metrics=metrics)
    app.add_middleware(QueryNormalizeMiddleware, typed=typed_fields(QUERY_MODELS))
    throttle = AuthThrottle(free=settings.ghintel_api_auth_failures)
    app.add_middleware(
        AccessMiddleware, api_keys=api_keys, buckets=app.state.buckets, throttle=throttle, metrics=metrics
    )
    # Answers depend on the key when keys are on (401 vs 200, /health's inventory): say so to caches.
    headers = [(b"x-content-type-options", b"nosniff")] + ([(b"vary", b"X-API-Key")] if api_keys else [])
    app.add_middleware(RequestContextMiddleware, metrics=metrics, extra_headers=headers)
    return app
