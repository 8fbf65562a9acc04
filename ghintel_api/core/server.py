"""How the API's HTTP server is run: uvicorn on h11 with a bounded request head and a deadline for it.

uvicorn's default parser (httptools) reads request heads of any size (a 32 MiB header was parsed)
and no uvicorn protocol times out a connection that sends half a request head, so a few hundred
slow sockets were held open for good. h11 bounds the buffered head (``h11_max_incomplete_event_size``);
:class:`GuardedH11Protocol` adds the deadline and answers malformed requests with the API's JSON
error envelope instead of uvicorn's plain-text 400.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import h11
import orjson
from uvicorn.protocols.http.h11_impl import H11Protocol

from ghintel_api.core.config import get_settings
from ghintel_pipeline.lib.settings import ApiSettings


def server_options(settings: ApiSettings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``: every limit in one place."""
    return {
        "http": GuardedH11Protocol,
        "h11_max_incomplete_event_size": settings.ghintel_api_max_header_bytes,
        "timeout_keep_alive": settings.ghintel_api_keep_alive_s,
        "limit_concurrency": settings.ghintel_api_max_connections,
        "server_header": False,
    }


class GuardedH11Protocol(H11Protocol):
    """h11 with a request-head deadline: a connection that has not sent a complete request head
    within ``GHINTEL_API_HEADER_TIMEOUT_S`` of connecting (or of its previous response) is closed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read per connection from the process settings: a class built per configuration could
        # not be handed to uvicorn's worker processes (they receive the config pickled).
        settings = get_settings()
        self.header_timeout_s = settings.ghintel_api_header_timeout_s
        self.max_head_bytes = settings.ghintel_api_max_header_bytes
        self._head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            self._arm_head_deadline()  # part of a request head so far: the clock keeps running
        else:
            self._disarm_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_head_deadline()

    def send_400_response(self, msg: str) -> None:
        body = orjson.dumps(
            {
                "error": "bad_request",
                "message": f"malformed HTTP request, or its head is larger than {self.max_head_bytes} bytes",
                "request_id": uuid.uuid4().hex,
            }
        )
        headers = [
            (b"content-type", b"application/json"),
            (b"connection", b"close"),
            (b"x-content-type-options", b"nosniff"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
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
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()
