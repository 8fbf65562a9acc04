"""Dependencies of the routes: the lake, a DuckDB cursor per request, access control, ETags."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Annotated

import duckdb
from fastapi import Depends, HTTPException, Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader

from ghintel_api.core.config import get_settings
from ghintel_api.core.lake import Lake
from ghintel_api.core.security import client_identity, key_matches, retry_after_header
from ghintel_pipeline.lib.settings import Settings

SettingsDep = Annotated[Settings, Depends(get_settings)]
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="One of GHINTEL_API_KEYS")


class NotModified(Exception):
    """If-None-Match matched the current ETag: answer 304 without running any query."""

    def __init__(self, etag: str, cache_control: str):
        self.etag = etag
        self.cache_control = cache_control


async def get_lake(request: Request) -> Lake:
    """The app's lake; when a version check is due it runs in a worker thread (it may reload)."""
    lake: Lake = request.app.state.lake
    if lake.refresh_due():
        await run_in_threadpool(lake.refresh_if_due)
    return lake


LakeDep = Annotated[Lake, Depends(get_lake)]


async def get_cursor(lake: LakeDep) -> AsyncIterator[duckdb.DuckDBPyConnection]:
    """One DuckDB cursor per request: a connection object must not be shared between threads."""
    cur = lake.cursor()
    try:
        yield cur
    finally:
        cur.close()


CursorDep = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]


async def require_access(request: Request, api_key: Annotated[str | None, Security(api_key_header)]) -> None:
    """401 without a valid X-API-Key (when keys are configured), then 429 past the rate limit."""
    state = request.app.state
    if state.api_keys and not key_matches(api_key, state.api_keys):
        state.metrics.unauthorized.inc()
        raise HTTPException(
            status_code=401, detail="missing or invalid X-API-Key", headers={"WWW-Authenticate": "APIKey"}
        )
    if state.buckets is not None:
        # Without configured keys a client could rotate made-up keys, so then only the address counts.
        identity = client_identity(
            api_key if state.api_keys else None, request.client.host if request.client else None
        )
        wait = state.buckets.take(identity)
        if wait is not None:
            state.metrics.rate_limited.inc()
            raise HTTPException(
                status_code=429,
                detail="rate limit exceeded",
                headers={"Retry-After": retry_after_header(wait)},
            )


async def conditional_get(request: Request, response: Response, lake: LakeDep) -> None:
    """ETag = lake table versions + request URL: unchanged tables mean an unchanged answer."""
    url = request.url.path + "?" + str(request.url.query)
    etag = f'W/"{lake.state_token}-{hashlib.sha1(url.encode()).hexdigest()[:16]}"'
    cache_control = request.app.state.cache_control
    wanted = request.headers.get("if-none-match")
    if wanted and (wanted.strip() == "*" or etag in [tag.strip() for tag in wanted.split(",")]):
        raise NotModified(etag, cache_control)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = cache_control


DATA_DEPENDENCIES = [Depends(require_access), Depends(conditional_get)]
