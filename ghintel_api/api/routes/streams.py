"""``GET /stream/events`` and ``GET /stream/anomalies``: Server-Sent Events from the subscriber topics.

Thin: ``core/streams.StreamHub`` reads Kafka and bounds every client; this module formats SSE.
API keys and rate limits apply as on every data route (AccessMiddleware, before routing).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from ghintel_api.api.deps import api_key_scheme
from ghintel_api.api.params import LOGIN, NAME, REPO, EventType
from ghintel_api.core.observability import request_id_var
from ghintel_api.core.streams import Dropped, StreamClient, StreamHub

router = APIRouter(prefix="/stream", tags=["streams"], dependencies=[Depends(api_key_scheme)])
CONNECT_WAIT_S = 5.0
_SSE_EVENT = {
    "type": "object",
    "description": "One Server-Sent Event; `data` is a JSON object.",
    "required": ["data"],
    "properties": {
        "event": {"type": "string", "enum": ["open", "event", "anomaly", "dropped"]},
        "data": {"type": "string"},
        "id": {"type": "string", "description": "<partition>-<offset> of the Kafka message"},
    },
}
_SSE = {
    200: {
        "content": {"text/event-stream": {"schema": _SSE_EVENT}},
        "description": "Server-Sent Events: `open`, then one `event`/`anomaly` per message, "
        "`dropped` (final) when the client fell behind; `:` comments keep the connection alive.",
    },
    503: {"description": "Too many stream connections (GHINTEL_STREAM_MAX_CLIENTS)"},
}


class StreamEventsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repo: Annotated[str | None, Field(pattern=REPO, description="owner/name")] = None
    org: Annotated[str | None, Field(pattern=NAME, description="Organisation (or repository owner)")] = None
    type: Annotated[EventType | None, Field(description="GitHub event type, e.g. PushEvent")] = None
    actor: Annotated[str | None, Field(pattern=LOGIN, description="Actor login")] = None


class StreamAnomaliesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repo: Annotated[str | None, Field(pattern=REPO, description="owner/name")] = None
    org: Annotated[str | None, Field(pattern=NAME, description="Organisation")] = None
    metric: Annotated[str | None, Field(pattern=r"^[a-z_]{1,64}$", description="Anomaly metric")] = None


def _sse(event: str, data: bytes, event_id: str | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\n".encode() + b"data: " + data + b"\n\n"


async def _events(request: Request, hub: StreamHub, client: StreamClient, name: str) -> AsyncIterator[bytes]:
    try:
        waited = 0.0
        while not hub.connected(client.stream) and waited < CONNECT_WAIT_S:
            await asyncio.sleep(0.1)
            waited += 0.1
        opened = {
            "stream": client.stream,
            "topic": hub.feeds[client.stream].topic,
            "connected": hub.connected(client.stream),
            "filters": {k: v for k, v in client.filters.items() if v},
            "buffer": hub.buffer,
        }
        yield _sse("open", orjson.dumps(opened))
        while True:
            try:
                item = await asyncio.wait_for(client.queue.get(), hub.heartbeat_s)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if isinstance(item, Dropped):
                yield _sse("dropped", orjson.dumps({"reason": item.reason, "delivered": client.delivered}))
                return
            client.delivered += 1
            yield _sse(name, item.raw, f"{item.partition}-{item.offset}")
    finally:
        hub.unsubscribe(client)


def _open(request: Request, stream: str, name: str, filters: dict) -> StreamingResponse | JSONResponse:
    hub: StreamHub = request.app.state.streams
    client = hub.subscribe(stream, filters)
    if client is None:
        body = {
            "error": "too_many_streams",
            "message": f"at most {hub.max_clients} stream connections are served at once",
            "request_id": request_id_var.get(),
        }
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    return StreamingResponse(
        _events(request, hub, client, name),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/events", operation_id="streamEvents", response_class=StreamingResponse, responses=_SSE)
async def stream_events(request: Request, params: Annotated[StreamEventsParams, Query()]):
    """Validated events (EnrichedGitHubEventV1 JSON) as they enter silver, from github_clean_events."""
    filters = params.model_dump()
    filters["type"] = params.type.value if params.type else None
    return _open(request, "events", "event", filters)


@router.get("/anomalies", operation_id="streamAnomalies", response_class=StreamingResponse, responses=_SSE)
async def stream_anomalies(request: Request, params: Annotated[StreamAnomaliesParams, Query()]):
    """New gold anomaly rows as they land, from github_anomalies."""
    return _open(
        request, "anomalies", "anomaly", {"repo": params.repo, "org": params.org, "type": params.metric}
    )
