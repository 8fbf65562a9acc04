"""The API's error envelope written straight to ASGI ``send`` (middlewares answer before routing)."""

from __future__ import annotations

import orjson

from ghintel_api.core.observability import request_id_var


async def send_json(send, status: int, body: dict, headers: list[tuple[bytes, bytes]] = ()) -> None:
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
