"""Structured JSON logs with request ids, and Prometheus metrics, via one pure ASGI middleware."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
M = TypeVar("M", Counter, Gauge, Histogram)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``extra={...}`` fields become top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            payload["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(payload, default=str).decode()


def configure_logging(level: str = "INFO") -> None:
    """JSON logs to stderr for the ghintel loggers (uvicorn's access log is replaced by ours)."""
    logger = logging.getLogger("ghintel")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    logging.Formatter.converter = time.gmtime
    # The JSON lines carry no caller, thread or process fields: skip collecting them for every
    # record (the logging HOWTO's "Optimization"; one access line per request).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


class ApiMetrics:
    """Metrics live in a registry per app so several apps (tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        counter, gauge = self._metric(Counter), self._metric(Gauge)
        self.requests = counter("requests_total", "HTTP requests", "method", "route", "status")
        self.latency = self._metric(Histogram)(
            "request_duration_seconds",
            "Request latency",
            "method",
            "route",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.rate_limited = counter("rate_limited_total", "Requests refused with 429")
        self.unauthorized = counter("unauthorized_total", "Requests refused with 401")
        self.auth_throttled = counter(
            "auth_throttled_total", "Requests refused with 429 because their address sent too many wrong keys"
        )
        self.overloaded = counter(
            "overloaded_total",
            "Expensive requests refused at once by the concurrency cap (client: 429, global: 503)",
            "cap",
        )
        self.coalesced = counter(
            "coalesced_total", "Requests answered by an identical request already in flight (single-flight)"
        )
        self.query_timeouts = counter("query_timeouts_total", "DuckDB queries interrupted by the timeout")
        self.table_version = gauge("lake_table_version", "Delta version of each loaded table", "table")
        self.table_rows = gauge("lake_table_rows", "Rows of each loaded table", "table")
        self.reloads = gauge("lake_reloads", "Table (re)loads since start")
        # live streams (core/streams.py)
        self.stream_clients = gauge("stream_clients", "Open SSE connections", "stream")
        self.stream_max_clients = gauge("stream_max_clients", "Cap on SSE connections (all streams)")
        self.stream_rejected = counter("stream_rejected_total", "SSE connections refused at the cap")
        self.stream_dropped = counter(
            "stream_dropped_total", "SSE clients dropped for falling behind", "stream"
        )
        self.stream_kafka_connected = gauge(
            "stream_kafka_connected", "1 while the stream reader of a topic is connected", "topic"
        )

    def _metric(self, kind: type[M]) -> Callable[..., M]:
        """A maker of ``kind`` metrics named ``ghintel_api_<name>`` in this app's registry."""

        def make(name: str, documentation: str, *labels: str, **options: Any) -> M:
            return kind(f"ghintel_api_{name}", documentation, labels, registry=self.registry, **options)

        return make


class RequestContextMiddleware:
    """Request id (from X-Request-ID when sane, else new), headers every answer carries, access
    log line, metrics."""

    def __init__(
        self,
        app,
        metrics: ApiMetrics,
        extra_headers: list[tuple[bytes, bytes]] = (),
        logger_name: str = "ghintel.api.access",
    ):
        self.app = app
        self.metrics = metrics
        self.extra_headers = list(extra_headers)
        self.log = logging.getLogger(logger_name)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    *self.extra_headers,
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            # a cache hit never reaches the router; the cache tells which route answered
            route = getattr(scope.get("route"), "path", None) or scope.get("ghintel.route") or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status["code"])).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            self.log.info(
                "request",
                extra={
                    "method": method,
                    "path": scope["path"],
                    "route": route,
                    "status": status["code"],
                    "ms": round(elapsed * 1000, 2),
                    "client": (scope.get("client") or ("", 0))[0],
                },
            )
            request_id_var.reset(token)
