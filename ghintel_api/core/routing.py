"""Routes whose sync endpoint costs one thread hop, not two.

FastAPI runs a sync endpoint in the threadpool and then, for a sync endpoint, validates its answer
in the threadpool *again* before serialising it: two event-loop -> thread -> event-loop round trips
per request. Wrapping the endpoint in a coroutine that runs it in the threadpool once makes FastAPI
treat it as async, so the (cheap: the answer is already an instance of the response model) check
and the Rust JSON dump run right on the event loop. Signature, docs and OpenAPI are the endpoint's
own (``functools.wraps``; FastAPI unwraps for parameters).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool


def one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` as a coroutine function that runs it in the threadpool (async ones unchanged)."""
    if (
        inspect.iscoroutinefunction(endpoint)
        or inspect.isasyncgenfunction(endpoint)
        or inspect.isgeneratorfunction(endpoint)
    ):
        return endpoint

    @functools.wraps(endpoint)
    async def in_thread(**kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, **kwargs)

    return in_thread


class OneHopRoute(APIRoute):
    """An APIRoute whose sync endpoint runs through :func:`one_hop`."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, one_hop(endpoint), **kwargs)
