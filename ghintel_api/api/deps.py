"""Dependencies of the routes: the lake, a DuckDB cursor per request, access control, ETags."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated, TypeVar

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Request, Response, Security
from fastapi.params import Depends as DependsParam
from fastapi.security import APIKeyHeader

from ghintel_api.api.params import NamePath, NoParams, OwnerPath, QueryOf
from ghintel_api.core.cursors import cursor_key
from ghintel_api.core.guard import refresh_lake
from ghintel_api.core.lake import Lake
from ghintel_api.core.routing import OneHopRoute
from ghintel_api.core.windows import clamp_as_of
from ghintel_api.queries.orgs import resolve_org
from ghintel_api.queries.repos import resolve_repo, resolve_repo_name

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="One of GHINTEL_API_KEYS")


class NotModified(Exception):
    """If-None-Match matched the current ETag: answer 304 without running any query."""

    def __init__(self, etag: str, cache_control: str):
        self.etag = etag
        self.cache_control = cache_control


async def get_lake(request: Request) -> Lake:
    """The app's lake; when a version check is due it runs in a worker thread (it may reload)."""
    lake: Lake = request.app.state.lake
    await refresh_lake(lake)
    return lake


LakeDep = Annotated[Lake, Depends(get_lake)]


async def get_cursor(lake: LakeDep) -> AsyncIterator[duckdb.DuckDBPyConnection]:
    """One DuckDB cursor per request (a cursor must not serve two threads at once), lent from the
    lake's pool; closed instead of returned when the request failed."""
    cur = lake.cursors.take()
    reusable = False
    try:
        yield cur
        reusable = True
    finally:
        lake.cursors.give_back(cur, reusable)


CursorDep = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]


async def api_key_scheme(api_key: Annotated[str | None, Security(api_key_header)]) -> None:
    """Declares the X-API-Key scheme in OpenAPI; AccessMiddleware enforces keys and rate limits
    before routing, so refused requests never reach a route."""


async def conditional_get(request: Request, response: Response, lake: LakeDep) -> None:
    """ETag = lake table versions + request URL: unchanged tables mean an unchanged answer.

    ``If-None-Match: *`` is not decided here but after the route ran (ResponseCacheMiddleware): a
    dependency runs even when the route's parameters are invalid, and before the 404 checks.
    """
    url = request.scope["path"] + "?" + request.scope["query_string"].decode("latin-1")
    etag = f'W/"{lake.state_token}-{hashlib.sha1(url.encode()).hexdigest()[:16]}"'
    cache_control = request.app.state.cache_control
    wanted = request.headers.get("if-none-match")
    if wanted and etag in [tag.strip() for tag in wanted.split(",")]:
        raise NotModified(etag, cache_control)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = cache_control


DATA_DEPENDENCIES = [Depends(api_key_scheme), Depends(conditional_get)]


def api_router(tag: str, prefix: str = "", dependencies: list[DependsParam] = DATA_DEPENDENCIES) -> APIRouter:
    """The router of one routes module: its tag, the data routes' dependencies, one thread hop."""
    return APIRouter(prefix=prefix, tags=[tag], dependencies=dependencies, route_class=OneHopRoute)


def not_found(what: str) -> dict:
    """The ``responses`` entry documenting a route's 404."""
    return {404: {"description": f"Unknown {what}"}}


Answer = TypeVar("Answer")


def at_as_of(lake: Lake, as_of: str | None, answer: Callable[[datetime | None], Answer]) -> Answer:
    """``answer(hour)`` for ``as_of`` clamped to the lake's hours (None: the newest); when it was
    clamped, the note saying so comes first in the answer's coverage notes."""
    hour, note = clamp_as_of(as_of, lake.newest_hour, lake.oldest_hour)
    result = answer(hour)
    if note:
        result.coverage.notes.insert(0, note)
    return result


async def no_query_params(params: QueryOf[NoParams]) -> None:
    """For routes without query parameters: an unknown one is still a 422, as everywhere."""


NO_QUERY_PARAMS = Depends(no_query_params)


async def repo_in_path(owner: OwnerPath, name: NamePath) -> str:
    """``owner/name`` of a ``/{owner}/{name}`` route (resolved, or 404, by the route's body)."""
    return f"{owner}/{name}"


RepoInPath = Annotated[str, Depends(repo_in_path)]


def repo_or_404(lake: Lake, cur: duckdb.DuckDBPyConnection, full_name: str) -> dict:
    """The dim_repos row of ``owner/name``; 404 when gold does not know it (every route alike)."""
    repo = resolve_repo(lake, cur, full_name)
    if repo is None:
        raise HTTPException(status_code=404, detail=f"unknown repository {full_name}")
    return repo


def repo_name_or_404(lake: Lake, cur: duckdb.DuckDBPyConnection, full_name: str) -> str:
    """The stored ``owner/name`` of the dim_repos row :func:`repo_or_404` would return; no query
    when the name index answers (routes that need only the name)."""
    name = resolve_repo_name(lake, cur, full_name)
    if name is None:
        raise HTTPException(status_code=404, detail=f"unknown repository {full_name}")
    return name


def org_or_404(lake: Lake, cur: duckdb.DuckDBPyConnection, org: str) -> str:
    """The organisation's login as stored; 404 when gold does not know it."""
    login = resolve_org(lake, cur, org)
    if login is None:
        raise HTTPException(status_code=404, detail=f"unknown organisation {org!r}")
    return login


async def cursor_key_of(request: Request) -> bytes:
    """The app's cursor key, read (or created) on first use: building an app writes no file."""
    key = getattr(request.app.state, "cursor_key", None)
    if key is None:
        key = request.app.state.cursor_key = cursor_key(request.app.state.settings)
    return key


CursorKeyDep = Annotated[bytes, Depends(cursor_key_of)]
