"""Bounded work: canonical query strings, a concurrency cap on expensive requests, lake refreshes
that never queue behind queries.

Requests past the cap are refused at once (429 for one client's excess, 503 when the process is
full, both with Retry-After) instead of waiting for a worker thread and timing out there: work
that times out is wasted, and waiting requests held the memory of the ones they queued behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

import anyio
from pydantic import BaseModel, TypeAdapter, ValidationError

from ghintel_api.core.lake import Lake
from ghintel_api.core.observability import ApiMetrics
from ghintel_api.core.responses import send_json
from ghintel_api.core.security import EXPENSIVE_COST

_refresh_limiter: anyio.CapacityLimiter | None = None


async def refresh_lake(lake: Lake) -> None:
    """Check for new Delta versions when due, on threads of its own: the request threadpool may be
    busy with queries, and /health must not wait for them."""
    global _refresh_limiter
    if not lake.refresh_due():
        return
    if _refresh_limiter is None:
        _refresh_limiter = anyio.CapacityLimiter(4)
    await anyio.to_thread.run_sync(lake.refresh_if_due, limiter=_refresh_limiter)


def query_pairs(scope) -> list[tuple[str, str]]:
    """The query string as (name, value) pairs, decoded as Starlette decodes it; parsed once."""
    pairs = scope.get("ghintel.query")
    if pairs is None:
        raw = scope.get("query_string", b"").decode("latin-1")
        pairs = scope["ghintel.query"] = parse_qsl(raw, keep_blank_values=True)
    return pairs


def typed_fields(models: Iterable[type[BaseModel]]) -> dict[str, TypeAdapter]:
    """Query parameter name -> adapter, for the int and bool parameters of the routes' models."""
    out: dict[str, TypeAdapter] = {}
    for model in models:
        for name, field in model.model_fields.items():
            if field.annotation in (int, bool):
                out[field.alias or name] = TypeAdapter(field.annotation)
    return out


def canonical_query(pairs: list[tuple[str, str]], typed: dict[str, TypeAdapter]) -> str:
    """Sorted, with ints and bools in one spelling (``limit=500.0``, ``limit=%20500`` -> ``limit=500``),
    exactly as the routes will read them; anything the adapter refuses is left for the route's 422."""
    out = []
    for name, value in pairs:
        adapter = typed.get(name)
        if adapter is not None:
            try:
                parsed = adapter.validate_python(value)
                value = str(parsed).lower() if isinstance(parsed, bool) else str(parsed)
            except ValidationError:
                pass
        out.append((name, value))
    return urlencode(sorted(out))


class QueryNormalizeMiddleware:
    """422 for a repeated query parameter (which one wins is nobody's promise); otherwise rewrites
    the query string to its canonical form, so the cache, single-flight and ETags key on meaning."""

    def __init__(self, app, typed: dict[str, TypeAdapter]):
        self.app = app
        self.typed = typed

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("query_string"):
            await self.app(scope, receive, send)
            return
        pairs = query_pairs(scope)
        names = [name for name, _ in pairs]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            await send_json(
                send,
                422,
                {
                    "error": "validation_error",
                    "message": f"query parameter(s) given more than once: {', '.join(repeated)}",
                    "detail": [
                        {"loc": ["query", name], "msg": "repeated", "type": "repeated"} for name in repeated
                    ],
                },
            )
            return
        scope["query_string"] = canonical_query(pairs, self.typed).encode("latin-1", "ignore")
        await self.app(scope, receive, send)


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worker_threads(threads: int, workers: int) -> int:
    """Route threads per API process: ``threads`` when set, else the process's share of the cores.

    Each of ``workers`` processes has a core's worth of CPU at most; a second thread in a process
    only hands the GIL back and forth. On 2 cores with 2 workers, one thread each against two (wrk,
    32 connections, uncached mix, three alternating pairs): server CPU per request 1.83/1.84/1.51 ->
    1.67/1.57/1.39 ms, p99 73/73/53 -> 59/62/48 ms.
    """
    return threads or max(1, cores() // max(1, workers))


def set_thread_limit(threads: int) -> int:
    """Size of the threadpool sync routes run in (0 = one per core); call inside the event loop.

    Requests beyond it wait on the event loop for a thread. With anyio's default of 40 threads, 32
    concurrent requests each held one and their GIL hand-offs cost CPU on every query: server CPU
    per uncached request 12.9 ms with 40 threads, 10.3 ms with 4, 8.4 ms with 2 (one worker, wrk
    with 32 connections, busy machine).
    """
    limit = threads or cores()
    anyio.to_thread.current_default_thread_limiter().total_tokens = limit
    return limit


def default_caps(global_cap: int, per_client: int) -> tuple[int, int]:
    """0 means automatic: one expensive query per core, a client at most half of them."""
    if global_cap <= 0:
        global_cap = cores()
    if per_client <= 0:
        per_client = max(1, global_cap // 2)
    return global_cap, min(per_client, global_cap)


class Admission:
    """Counts of expensive requests in progress, globally and per client (event-loop only)."""

    def __init__(self, global_cap: int, per_client: int):
        self.global_cap = global_cap
        self.per_client = per_client
        self.running = 0
        self._by_client: dict[str, int] = {}

    def try_enter(self, client: str) -> str | None:
        """None when admitted, else which cap refused: "client" or "global"."""
        mine = self._by_client.get(client, 0)
        if mine >= self.per_client:
            return "client"
        if self.running >= self.global_cap:
            return "global"
        self.running += 1
        self._by_client[client] = mine + 1
        return None

    def leave(self, client: str) -> None:
        self.running -= 1
        left = self._by_client[client] - 1
        if left:
            self._by_client[client] = left
        else:
            del self._by_client[client]


class AdmissionMiddleware:
    """Refuses an expensive request at once when its client or the process is at its cap."""

    def __init__(self, app, admission: Admission, metrics: ApiMetrics):
        self.app = app
        self.admission = admission
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        client = scope.get("ghintel.identity")
        if scope["type"] != "http" or client is None or scope.get("ghintel.cost", 1) < EXPENSIVE_COST:
            await self.app(scope, receive, send)
            return
        refused = self.admission.try_enter(client)
        if refused is not None:
            self.metrics.overloaded.labels(refused).inc()
            if refused == "client":
                status, error = 429, "too_many_concurrent_requests"
                message = f"at most {self.admission.per_client} expensive requests per client at once"
            else:
                status, error = 503, "overloaded"
                message = f"the API is running its maximum of {self.admission.global_cap} expensive requests"
            await send_json(send, status, {"error": error, "message": message}, [(b"retry-after", b"1")])
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.admission.leave(client)
