"""How the API's HTTP server is run: uvicorn on httptools with a bounded request head and a
deadline for it.

uvicorn's protocols bound neither: its httptools protocol read request heads of any size (a 32 MiB
header was parsed) and no uvicorn protocol times out a connection that sends half a request head,
so a few hundred slow sockets were held open for good. :class:`GuardedHttpToolsProtocol` counts
the bytes of the head being read (400 past ``GHINTEL_API_MAX_HEADER_BYTES``, nothing more read),
closes a connection whose head is not complete within ``GHINTEL_API_HEADER_TIMEOUT_S``, and
answers malformed requests with the API's JSON error envelope instead of uvicorn's plain-text 400.

httptools (llhttp, C) rather than h11 (pure Python): the same guards on h11 cost 6-12 % more
server CPU per uncached request (docs/api.md, "The HTTP parser and the last per-request costs").
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ghintel_api.core.config import get_settings
from ghintel_pipeline.lib.settings import ApiSettings


def server_options(settings: ApiSettings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``: every limit in one place."""
    return {
        "http": GuardedHttpToolsProtocol,
        # No route speaks WebSocket: an upgrade request is answered as the plain request it also is,
        # never handed to another protocol (and its limits).
        "ws": "none",
        "timeout_keep_alive": settings.ghintel_api_keep_alive_s,
        "limit_concurrency": settings.ghintel_api_max_connections,
        "server_header": False,
        # SSE answers (/stream/*) never end by themselves: on shutdown they are closed after this.
        "timeout_graceful_shutdown": 3,
    }


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """httptools with a bounded request head and a deadline for it: a connection that has not sent
    a complete request head within ``GHINTEL_API_HEADER_TIMEOUT_S`` of connecting (or of its
    previous answer) is closed, and one whose head grows past ``GHINTEL_API_MAX_HEADER_BYTES`` gets
    a 400 and is closed.

    The head's bytes are counted as they arrive, before the parser buffers them, until its last
    header; a pipelined head is counted from the read after the one it begins in, so at most one
    read (≤ 256 KiB) more than the limit is ever held.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read per connection from the process settings: a class built per configuration could
        # not be handed to uvicorn's worker processes (they receive the config pickled).
        settings = get_settings()
        self.header_timeout_s = settings.ghintel_api_header_timeout_s
        self.max_head_bytes = settings.ghintel_api_max_header_bytes
        self._head_deadline: asyncio.TimerHandle | None = None
        self._reading_head = True  # bytes arriving now belong to a request head
        self._head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._reading_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self.transport.is_closing():
            return
        if not self._reading_head:
            self._disarm_head_deadline()
        elif self._head_bytes > self.max_head_bytes:
            self.send_400_response("request head too large")
        else:
            self._arm_head_deadline()  # part of a request head so far: the clock keeps running

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._head_bytes = 0
        self._disarm_head_deadline()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # nothing in progress (no pipelined request started): the next head's clock starts now
        if not self.transport.is_closing() and self.cycle.response_complete:
            self._reading_head = True
            self._arm_head_deadline()

    def send_400_response(self, msg: str) -> None:
        body = orjson.dumps(
            {
                "error": "bad_request",
                "message": f"malformed HTTP request, or its head is larger than {self.max_head_bytes} bytes",
                "request_id": uuid.uuid4().hex,
            }
        )
        self.transport.write(
            b"HTTP/1.1 400 Bad Request\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n"
            b"x-content-type-options: nosniff\r\n"
            b"\r\n" + body
        )
        self.transport.close()

    def _arm_head_deadline(self) -> None:
        if self._head_deadline is None:
            self._head_deadline = self.loop.call_later(self.header_timeout_s, self._head_timed_out)

    def _disarm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_timed_out(self) -> None:
        self._head_deadline = None
        if self._reading_head and not self.transport.is_closing():
            self.transport.close()
