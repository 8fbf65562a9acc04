"""Pure ASGI middlewares in front of the routes: access control (API keys, the failed-key throttle,
rate limits charged by cost) and a response cache keyed by the lake's table versions, which also
coalesces identical requests in flight.

Both run before FastAPI's routing, so a refused request or a cached answer costs no thread hop,
no dependency resolution and no serialisation. The cache can never serve stale data: its key holds
every loaded Delta version, and a new version is a new key (old entries age out of the LRU).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import quote

from starlette.requests import cookie_parser

from ghintel_api.core.guard import query_pairs, refresh_lake
from ghintel_api.core.observability import ApiMetrics
from ghintel_api.core.responses import send_json
from ghintel_api.core.security import (
    AuthThrottle,
    TokenBuckets,
    client_identity,
    key_matches,
    request_cost,
    retry_after_header,
)

log = logging.getLogger("ghintel.api")

HEALTH_PATH = "/health"
OPEN_PATHS = frozenset({HEALTH_PATH, "/docs", "/docs/oauth2-redirect", "/openapi.json", "/redoc"})
DOCS_STATIC = "/docs/static"  # Swagger UI's own files, open like /docs
# The explorer (/ui): its static files are open; a browser cannot send X-API-Key on navigation, so
# /ui/key checks a typed key and stores it in a SameSite=Strict cookie that counts like the header.
UI_STATIC = "/ui/static"
UI_KEY_PATH = "/ui/key"
KEY_COOKIE = "ghintel_api_key"


def provided_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The X-API-Key header, else the explorer's key cookie (callers reject two headers first)."""
    cookie = None
    for name, value in headers:
        if name == b"x-api-key":
            return value.decode("latin-1")
        if name == b"cookie":
            cookie = cookie_parser(value.decode("latin-1")).get(KEY_COOKIE)
    return cookie


def _is_page(path: str) -> bool:
    return path == "/ui" or path.startswith("/ui/")


class AccessMiddleware:
    """401 without a valid X-API-Key when keys are configured; 429 past the per-client rate (charged
    by request cost) or for an address that sent too many wrong keys; 400 for two X-API-Key headers.

    /health stays open; it learns whether the caller holds a key (``scope["ghintel.authorized"]``),
    and a wrong key sent to it counts as a failure like anywhere else (it must not be an oracle).
    """

    def __init__(
        self,
        app,
        api_keys: tuple[bytes, ...],
        buckets: TokenBuckets | None,
        throttle: AuthThrottle,
        metrics: ApiMetrics,
    ):
        self.app = app
        self.api_keys = api_keys
        self.buckets = buckets
        self.throttle = throttle
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or (path in OPEN_PATHS and path != HEALTH_PATH)
            or path.startswith((DOCS_STATIC + "/", UI_STATIC + "/"))
        ):
            await self.app(scope, receive, send)
            return
        keys = [value for name, value in scope["headers"] if name == b"x-api-key"]
        if len(keys) > 1:
            await send_json(send, 400, {"error": "bad_request", "message": "more than one X-API-Key header"})
            return
        provided = provided_key(scope["headers"])
        client = scope.get("client")
        address = client[0] if client else "unknown"
        # the key form itself needs no key (it checks one, throttled like here); rate limits apply
        authorized = path == UI_KEY_PATH or await self._authorize(
            provided, address, send, is_health=path == HEALTH_PATH, page=path if _is_page(path) else None
        )
        if path == HEALTH_PATH:
            scope["ghintel.authorized"] = bool(authorized)
            await self.app(scope, receive, send)
            return
        if authorized is not True:
            return
        # Without configured keys a client could rotate made-up keys: then only the address counts.
        identity = client_identity(provided if self.api_keys else None, address)
        cost = request_cost(path, dict(query_pairs(scope)))
        scope["ghintel.identity"], scope["ghintel.cost"] = identity, cost
        if self.buckets is not None:
            wait = self.buckets.take(identity, cost=cost)
            if wait is not None:
                self.metrics.rate_limited.inc()
                await send_json(
                    send,
                    429,
                    {"error": "rate_limited", "message": f"rate limit exceeded (this request costs {cost})"},
                    [(b"retry-after", retry_after_header(wait).encode())],
                )
                return
        await self.app(scope, receive, send)

    async def _authorize(
        self, provided: str | None, address: str, send, is_health: bool, page: str | None = None
    ) -> bool | None:
        """True when allowed; False (health only) or None after a refusal was sent."""
        if not self.api_keys:
            return True
        blocked = self.throttle.blocked_for(address)
        if blocked is not None:
            # Barred addresses get no key comparison at all, right or wrong: guessing stays blind.
            if is_health:
                return False
            self.metrics.auth_throttled.inc()
            await send_json(
                send,
                429,
                {"error": "auth_throttled", "message": "too many failed authentications from this address"},
                [(b"retry-after", retry_after_header(blocked).encode())],
            )
            return None
        if provided is None and is_health:
            return False
        if key_matches(provided, self.api_keys):
            self.throttle.succeeded(address)
            return True
        self.throttle.failed(address)
        self.metrics.unauthorized.inc()
        if is_health:
            return False
        if page is not None:  # a person at a browser: to the key form, then back to the page
            location = f"{UI_KEY_PATH}?next={quote(page)}".encode()
            await send({"type": "http.response.start", "status": 303, "headers": [(b"location", location)]})
            await send({"type": "http.response.body", "body": b""})
            return None
        await send_json(
            send,
            401,
            {"error": "unauthorized", "message": "missing or invalid X-API-Key"},
            [(b"www-authenticate", b"APIKey")],
        )
        return None


@dataclass
class _Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    route: str | None


@dataclass
class _Flight:
    """An answer being computed; identical requests arriving meanwhile wait for it."""

    done: asyncio.Event = field(default_factory=asyncio.Event)
    entry: _Entry | None = None


def _wants_any(scope) -> bool:
    return dict(scope["headers"]).get(b"if-none-match", b"").strip() == b"*"


class ResponseCacheMiddleware:
    """LRU of successful GET answers that carry an ETag (the data routes), bounded in bytes, and
    single-flight: while one request computes an answer, identical ones (same table versions, path
    and canonical query) wait for it instead of running the same query again. With a cache size
    of 0 nothing is kept, but coalescing still works.

    ``If-None-Match: *`` is answered here, after the route ran: 304 only for an answer that would
    have been 200, so parameters are validated and the entity's existence checked first (RFC 9110).
    """

    def __init__(self, app, max_bytes: int, metrics: ApiMetrics):
        self.app = app
        self.max_bytes = max_bytes
        self.metrics = metrics
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._flights: dict[tuple, _Flight] = {}
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        lake = getattr(scope["app"].state, "lake", None)
        if lake is None:
            await self.app(scope, receive, send)
            return
        await refresh_lake(lake)
        key = (lake.state_token, scope["path"], scope.get("query_string", b""))
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.hits += 1
            await self._replay(scope, send, entry)
            return
        flight = self._flights.get(key)
        if flight is not None:
            await flight.done.wait()
            if flight.entry is not None:
                self.metrics.coalesced.inc()
                await self._replay(scope, send, flight.entry)
                return
            flight = None  # the first one failed: this one runs on its own
        else:
            flight = self._flights[key] = _Flight()
        self.misses += 1
        try:
            entry = await self._run(scope, receive, send)
            if entry is not None:
                self._store(key, entry)
        finally:
            if flight is not None:
                del self._flights[key]
                flight.entry = entry
                flight.done.set()

    async def _run(self, scope, receive, send) -> _Entry | None:
        """Runs the route, passing its answer on (as 304 for ``If-None-Match: *`` on a 200)."""
        captured: dict = {"chunks": []}
        any_tag = _wants_any(scope)

        async def capture(message):
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = list(message.get("headers", []))
                if any_tag and message["status"] == 200:
                    await send(_not_modified(captured["headers"]))
                    return
            elif message["type"] == "http.response.body":
                captured["chunks"].append(message.get("body", b""))
                if any_tag and captured["status"] == 200:
                    if not message.get("more_body"):
                        await send({"type": "http.response.body", "body": b""})
                    return
            await send(message)

        await self.app(scope, receive, capture)
        etag = dict(captured.get("headers", [])).get(b"etag")
        if captured.get("status") != 200 or not etag:
            return None
        route = getattr(scope.get("route"), "path", None)
        return _Entry(200, captured["headers"], b"".join(captured["chunks"]), etag, route)

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
            await send(_not_modified(entry.headers))
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


def _not_modified(headers: list[tuple[bytes, bytes]]) -> dict:
    kept = [(k, v) for k, v in headers if k in (b"etag", b"cache-control", b"vary")]
    return {"type": "http.response.start", "status": 304, "headers": kept}
