"""Dependencies of the routes: the lake, a DuckDB cursor per request, access control, ETags."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Annotated

import duckdb
from fastapi import Depends, Request, Response, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader

from ghintel_api.core.lake import Lake

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


async def api_key_scheme(api_key: Annotated[str | None, Security(api_key_header)]) -> None:
    """Declares the X-API-Key scheme in OpenAPI; AccessMiddleware enforces keys and rate limits
    before routing, so refused requests never reach a route."""


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


_KNOWN_PARAMS: dict[int, frozenset[str]] = {}


async def reject_unknown_params(request: Request) -> None:
    """422 for query parameters the route does not define: a typo (``windw=7d``) must not be
    silently answered with the defaults."""
    route = request.scope.get("route")
    known = _KNOWN_PARAMS.get(id(route))
    if known is None:
        known = _KNOWN_PARAMS.setdefault(id(route), frozenset(_query_names(route.dependant)))
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise UnknownParameter(
            f"unknown query parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
        )


def _query_names(dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


class UnknownParameter(ValueError):
    """A query parameter the route does not define (422)."""


DATA_DEPENDENCIES = [Depends(api_key_scheme), Depends(reject_unknown_params), Depends(conditional_get)]
