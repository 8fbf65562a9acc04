"""``ghintel api``: serve the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer


def api(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes (each loads the gold marts)")] = 1,
    proxy_headers: Annotated[
        bool,
        typer.Option(help="Trust X-Forwarded-For (only behind your own proxy): rate limits per client"),
    ] = False,
) -> None:
    """Serve the ghintel API (OpenAPI docs at /docs)."""
    import os

    import uvicorn

    from ghintel_api.core.config import get_settings
    from ghintel_api.core.guard import worker_threads
    from ghintel_api.core.server import server_options

    settings = get_settings()
    # the worker processes read their settings from this environment
    os.environ["GHINTEL_API_THREADS"] = str(worker_threads(settings.ghintel_api_threads, workers))
    uvicorn.run(
        "ghintel_api.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the app writes one JSON line per request itself
        proxy_headers=proxy_headers,
        **server_options(settings),
    )
