"""Pure ASGI middlewares in front of the routes: access control (API keys, rate limits) and a
response cache keyed by the lake's table versions.

Both run before FastAPI's routing, so a refused request or a cached answer costs no thread hop,
no dependency resolution and no serialisation. The cache can never serve stale data: its key holds
every loaded Delta version, and a new version is a new key (old entries age out of the LRU).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass

import orjson
from starlette.concurrency import run_in_threadpool

from ghintel_api.core.observability import ApiMetrics, request_id_var
from ghintel_api.core.security import TokenBuckets, client_identity, key_matches, retry_after_header

log = logging.getLogger("ghintel.api")

OPEN_PATHS = frozenset({"/health", "/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc"})
STREAM_PREFIX = "/stream/"  # endless answers: never captured by the cache
DOCS_STATIC = "/docs/static"  # Swagger UI's own files, open like /docs


async def _send_json(send, status: int, body: dict, headers: list[tuple[bytes, bytes]] = ()) -> None:
    payload = orjson.dumps({**body, "request_id": request_id_var.get()})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class AccessMiddleware:
    """401 without a valid X-API-Key when keys are configured; 429 past the per-client rate."""

    def __init__(self, app, api_keys: tuple[bytes, ...], buckets: TokenBuckets | None, metrics: ApiMetrics):
        self.app = app
        self.api_keys = api_keys
        self.buckets = buckets
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if scope["type"] != "http" or path in OPEN_PATHS or path.startswith(DOCS_STATIC + "/"):
            await self.app(scope, receive, send)
            return
        provided = None
        for name, value in scope["headers"]:
            if name == b"x-api-key":
                provided = value.decode("latin-1")
                break
        if self.api_keys and not key_matches(provided, self.api_keys):
            self.metrics.unauthorized.inc()
            await _send_json(
                send,
                401,
                {"error": "unauthorized", "message": "missing or invalid X-API-Key"},
                [(b"www-authenticate", b"APIKey")],
            )
            return
        if self.buckets is not None:
            # Without configured keys a client could rotate made-up keys: then only the address counts.
            client = scope.get("client")
            identity = client_identity(provided if self.api_keys else None, client[0] if client else None)
            wait = self.buckets.take(identity)
            if wait is not None:
                self.metrics.rate_limited.inc()
                await _send_json(
                    send,
                    429,
                    {"error": "rate_limited", "message": "rate limit exceeded"},
                    [(b"retry-after", retry_after_header(wait).encode())],
                )
                return
        await self.app(scope, receive, send)


@dataclass
class _Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    route: str | None


class ResponseCacheMiddleware:
    """LRU of successful GET answers that carry an ETag (the data routes), bounded in bytes."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or path in OPEN_PATHS
            or path.startswith(STREAM_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        lake = getattr(scope["app"].state, "lake", None)
        if lake is None:
            await self.app(scope, receive, send)
            return
        if lake.refresh_due():
            await run_in_threadpool(lake.refresh_if_due)
        key = (lake.state_token, scope["path"], scope.get("query_string", b""))
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.hits += 1
            await self._replay(scope, send, entry)
            return
        self.misses += 1
        captured: dict = {"chunks": []}

        async def capture(message):
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured["chunks"].append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        etag = dict(captured.get("headers", [])).get(b"etag")
        if captured.get("status") == 200 and etag:
            body = b"".join(captured["chunks"])
            route = getattr(scope.get("route"), "path", None)
            self._store(key, _Entry(200, captured["headers"], body, etag, route))

    def _store(self, key: tuple, entry: _Entry) -> None:
        size = len(entry.body) + 512
        if size > self.max_bytes // 8:
            return
        self._entries[key] = entry
        self._bytes += size
        while self._bytes > self.max_bytes and self._entries:
            _, old = self._entries.popitem(last=False)
            self._bytes -= len(old.body) + 512

    async def _replay(self, scope, send, entry: _Entry) -> None:
        scope["ghintel.route"] = entry.route
        wanted = dict(scope["headers"]).get(b"if-none-match", b"")
        if wanted and (wanted.strip() == b"*" or entry.etag in [t.strip() for t in wanted.split(b",")]):
            headers = [(k, v) for k, v in entry.headers if k in (b"etag", b"cache-control")]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(
            {
                "type": "http.response.start",
                "status": entry.status,
                "headers": [*entry.headers, (b"x-cache", b"hit")],
            }
        )
        await send({"type": "http.response.body", "body": entry.body})
