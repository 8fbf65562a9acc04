"""The one REST client of the agents and `ghintel ask`.

With GHINTEL_API_URL set it is a plain ``httpx.Client`` against that server; otherwise it is
Starlette's ``TestClient`` — itself an ``httpx.Client`` — over the real FastAPI app in-process on the
local lake, with the app's lifespan run (the lake opened once). Callers see one type and one code
path: the same routes, validation, error bodies and citations either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from ghintel_pipeline.lib.settings import Settings

TIMEOUT_S = 30.0


def _headers(settings: Settings) -> dict[str, str]:
    keys = [k.strip() for k in settings.ghintel_api_keys.split(",") if k.strip()]
    return {"X-API-Key": keys[0]} if keys else {}


@contextmanager
def api_client(settings: Settings) -> Iterator[httpx.Client]:
    if settings.ghintel_api_url:
        with httpx.Client(
            base_url=settings.ghintel_api_url, headers=_headers(settings), timeout=TIMEOUT_S
        ) as client:
            yield client
        return
    from fastapi.testclient import TestClient

    from ghintel_api.main import create_app

    # One caller in this process: a rate limit would only throttle our own tool calls.
    app = create_app(settings.model_copy(update={"ghintel_api_rate_limit": "0"}))
    with TestClient(app, base_url="http://ghintel.local", headers=_headers(settings)) as client:
        yield client
